"""User-facing strings in every configured language (``core/locales/languages.yaml``).

All strings live in ``core/locales/messages.yaml`` as ``key: {code: text, …}``; a key
missing a required language, or naming an unknown one, fails on load.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from core.languages import ALIASES, FALLBACK, HINTS, LANGUAGE_NAMES, LANGUAGES, REQUIRED

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LANGUAGE_NAMES", "catalogue", "language_from_hint", "normalise_language", "t"]

DEFAULT_LANGUAGE = "nb"
_MESSAGES = Path(__file__).parent / "locales" / "messages.yaml"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, validated: each key has a text in every required language, and no unknown one."""
    data = yaml.safe_load(_MESSAGES.read_text(encoding="utf-8"))
    for key, texts in data.items():
        missing = [lang for lang in REQUIRED if not (isinstance(texts, dict) and texts.get(lang))]
        if missing:
            raise ValueError(f"{_MESSAGES.name}: message '{key}' lacks {', '.join(missing)}")
        unknown = sorted(set(texts) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"{_MESSAGES.name}: message '{key}' has unknown language {', '.join(unknown)}")
    return data


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    texts = catalogue()[key]
    text = texts.get(lang) or texts[FALLBACK]
    return text.format(**params) if params else text


def language_from_hint(hint: str | None) -> str | None:
    """Map a platform locale such as ``sv-SE`` to a configured language, or None if unsupported."""
    if not hint:
        return None
    return HINTS.get(hint.replace("_", "-").split("-")[0].lower())


def normalise_language(value: str) -> str | None:
    """Accept a code, a language's own name or an alias ('norsk', 'Svenska', 'english' …); None if unknown."""
    v = value.strip().lower()
    return ALIASES.get(v) or language_from_hint(v)
