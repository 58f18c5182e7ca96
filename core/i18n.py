"""User-facing strings in every configured language (``core/locales/languages.yaml``).

All strings live in ``core/locales/messages.yaml`` as ``key: {code: text, …}`` (the
required languages), and in ``core/locales/messages.<code>.yaml`` as ``key: text`` for
each further language. A key missing a required language, naming an unknown language
or key, or with other ``{placeholders}`` than the English text, fails on load.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from core.languages import ALIASES, FALLBACK, HINTS, LANGUAGE_NAMES, LANGUAGES, REQUIRED
from core.yaml_data import load_yaml

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LANGUAGE_NAMES", "catalogue", "language_from_hint", "normalise_language", "t"]

DEFAULT_LANGUAGE = "nb"
_MESSAGES = Path(__file__).parent / "locales" / "messages.yaml"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, validated: each key has a text in every required language, and no unknown one."""
    data = load_yaml(_MESSAGES.read_text(encoding="utf-8"))
    for key, texts in data.items():
        for lang, text in (texts.items() if isinstance(texts, dict) else ()):
            if isinstance(text, dict) and "other" not in text:
                raise ValueError(f"{_MESSAGES.name}: message '{key}' ({lang}) has plural forms but no 'other'")
        missing = [lang for lang in REQUIRED if not (isinstance(texts, dict) and texts.get(lang))]
        if missing:
            raise ValueError(f"{_MESSAGES.name}: message '{key}' lacks {', '.join(missing)}")
        unknown = sorted(set(texts) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"{_MESSAGES.name}: message '{key}' has unknown language {', '.join(unknown)}")
    for lang in LANGUAGES:
        extra = _MESSAGES.with_name(f"messages.{lang}.yaml")
        if not extra.exists():
            continue
        for key, text in (load_yaml(extra.read_text(encoding="utf-8")) or {}).items():
            if key not in data:
                raise ValueError(f"{extra.name}: unknown message '{key}'")
            if isinstance(text, dict) and "other" in text:
                forms = list(text.values())
            elif isinstance(text, str) and text.strip():
                forms = [text]
            else:
                raise ValueError(f"{extra.name}: message '{key}' is empty")
            english = data[key][FALLBACK]
            expected = placeholders(english["other"] if isinstance(english, dict) else english)
            main = text["other"] if isinstance(text, dict) else text
            if placeholders(main) != expected or any(not placeholders(form) <= expected for form in forms):
                raise ValueError(f"{extra.name}: message '{key}' has other placeholders than the English text "
                                 f"{sorted(expected)}")
            data[key][lang] = text
    return data


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in; plural forms follow ``n`` by the language's rules."""
    texts = catalogue()[key]
    text = texts.get(lang) or texts[FALLBACK]
    if isinstance(text, dict):
        text = text.get(plural_category(lang, params.get("n", 0))) or text["other"]
    return text.format(**params) if params else text


CONTACT_KINDS = ("meeting", "call", "email", "chat")
"""The kinds of contact between partners, as stored; shown and typed as ``contact.kind.<kind>``."""


def command_words(lang: str) -> dict[str, str]:
    """The words a person may type in ``lang``, to fill help texts: the round's buttons and the contact kinds.

    ``na``, ``skip``, ``idea``, ``back``, ``pause``: the button labels without their emoji;
    ``kinds``: ``møte|samtale|e-post|chat``; ``meeting``: the first of them, for examples.
    """
    def typed(text: str) -> str:
        return " ".join(word for word in text.split() if any(ch.isalpha() for ch in word))

    words = {name: typed(t(lang, f"choice.{name}")) for name in ("na", "skip", "idea", "back", "pause")}
    kinds = [t(lang, f"contact.kind.{kind}") for kind in CONTACT_KINDS]
    return {**words, "kinds": "|".join(kinds), "meeting": kinds[0]}


@cache
def answer_words(answer: str) -> frozenset[str]:
    """What may be typed for ``answer`` (``"yes"`` or ``"no"``) in any language: ``word.<answer>``, the
    consent button's label and its first word (``نعم، أوافق`` → ``نعم``), lower case."""
    label = {"yes": "consent.yes", "no": "consent.no"}[answer]
    words: set[str] = set()
    for key in (f"word.{answer}", label):
        for text in catalogue()[key].values():
            text = text.lower().strip()
            words |= {text, text.split()[0].rstrip(",،、፣.!")}
    return frozenset(words)


def day_and_time(lang: str, moment: datetime) -> str:
    """A day as readers of ``lang`` write it, by Babel, and the time on the 24-hour clock every other time in the
    bot's texts uses ("14. feb. 18:00", "Feb 14 18:00")."""
    from babel.dates import format_skeleton

    try:
        return f"{format_skeleton('MMMd', moment, locale=lang)} {moment:%H:%M}"
    except (ValueError, LookupError):
        return moment.strftime("%Y-%m-%d %H:%M")


def month_name(lang: str, period: str) -> str:
    """A check-in's period ("2026-12") as readers of ``lang`` name the month ("desember 2026"), by Babel."""
    from babel.dates import format_date

    try:
        year, month = (int(part) for part in period.split("-")[:2])
        return format_date(date(year, month, 1), "LLLL y", locale=lang)  # the month's own name: "лютий 2027", no "р."
    except (ValueError, LookupError):
        return period


def listing(lang: str, parts: Iterable[str]) -> str:
    """Items of a spoken list, with the semicolon ``lang`` writes (Arabic "؛")."""
    return ("؛ " if lang == "ar" else "; ").join(parts)


@cache
def decimal_symbol(lang: str) -> str:
    """The decimal separator readers of ``lang`` expect ("," in nb, sv and uk), by Babel."""
    from babel.numbers import get_decimal_symbol

    try:
        return get_decimal_symbol(lang)
    except (ValueError, LookupError):
        return "."


def plural_category(lang: str, n: object) -> str:
    """The CLDR plural category of ``n`` in ``lang`` (one, few, many, other …), by Babel."""
    from babel import Locale

    try:
        return Locale.parse(lang).plural_form(n if isinstance(n, int | float) else 0)
    except (ValueError, TypeError, LookupError):
        return "other"


def language_from_hint(hint: str | None) -> str | None:
    """Map a platform locale such as ``sv-SE`` to a configured language, or None if unsupported."""
    if not hint:
        return None
    return HINTS.get(hint.replace("_", "-").split("-")[0].lower())


def normalise_language(value: str) -> str | None:
    """Accept a code, a language's own name or an alias ('norsk', 'Svenska', 'english' …); None if unknown."""
    v = value.strip().lstrip("🌐").strip().lower()  # also as the language button reads: "🌐 Svenska"
    return ALIASES.get(v) or language_from_hint(v)


@runtime_checkable
class Translated(Protocol):
    """A text kept in several languages (e.g. an instrument's title)."""

    def get(self, lang: str) -> str:
        """The text in ``lang``."""


class LocalizedError(ValueError):
    """A refusal whose message lives in ``core/locales``: ``key`` and ``params`` name it; ``text(lang)``
    gives it in the reader's language and ``str()`` in English (for the CLI and logs)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def text(self, lang: str) -> str:
        """The message in ``lang`` (a parameter that is itself in several languages, such as an instrument's
        title, in ``lang`` too)."""
        return t(lang, self.key, **{name: value.get(lang) if isinstance(value, Translated) else value
                                    for name, value in self.params.items()})

    def __str__(self) -> str:
        return self.text("en")
