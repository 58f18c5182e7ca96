"""User-facing strings in Norwegian bokmål, Swedish and English.

All strings live in ``core/locales/messages.yaml`` as ``key: {nb, sv, en}``; a key
missing a language fails on load.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from core.instrument import LANGUAGES

DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "sv": "Svenska", "en": "English"}
_MESSAGES = Path(__file__).parent / "locales" / "messages.yaml"

# Locale hints from platforms ("nb-NO", "no", "nn", "sv-SE", "en-GB") → our languages.
_HINTS = {"nb": "nb", "no": "nb", "nn": "nb", "da": "nb", "sv": "sv", "en": "en"}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, validated: each key has a text in every language."""
    data = yaml.safe_load(_MESSAGES.read_text(encoding="utf-8"))
    for key, texts in data.items():
        missing = [lang for lang in LANGUAGES if not (isinstance(texts, dict) and texts.get(lang))]
        if missing:
            raise ValueError(f"{_MESSAGES.name}: message '{key}' lacks {', '.join(missing)}")
    return data


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    texts = catalogue()[key]
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def language_from_hint(hint: str | None) -> str | None:
    """Map a platform locale such as ``sv-SE`` to nb/sv/en, or None if unsupported."""
    if not hint:
        return None
    return _HINTS.get(hint.replace("_", "-").split("-")[0].lower())


def normalise_language(value: str) -> str | None:
    """Accept 'nb', 'norsk', 'Svenska', 'english' … and return nb/sv/en, or None."""
    v = value.strip().lower()
    aliases = {
        "nb": "nb", "no": "nb", "norsk": "nb", "bokmål": "nb", "bokmal": "nb", "norwegian": "nb",
        "sv": "sv", "svenska": "sv", "svensk": "sv", "swedish": "sv",
        "en": "en", "english": "en", "engelsk": "en", "engelska": "en",
    }
    return aliases.get(v) or language_from_hint(v)
