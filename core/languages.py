"""The configured languages (``core/locales/languages.yaml``): codes, own names, locale hints and aliases.

Every text in the messages and the instruments is keyed by these codes. Required
languages must be present in every text; the others fall back to English.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yaml_data import load_yaml

_FILE = Path(__file__).parent / "locales" / "languages.yaml"
FALLBACK = "en"


class Language(BaseModel):
    """One language the bot speaks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str = Field(min_length=1)
    """The language's name in itself, as /lang shows it."""
    required: bool = False
    hints: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    rtl: bool = False
    """Written right to left (Arabic): charts shape and order its text."""
    reviewed: bool = True
    """False until a native speaker has reviewed its texts; coordinators see it, residents never do."""


def _load() -> tuple[Language, ...]:
    languages = tuple(Language.model_validate(entry) for entry in load_yaml(_FILE.read_text(encoding="utf-8")))
    codes = [language.code for language in languages]
    if len(set(codes)) != len(codes) or FALLBACK not in codes:
        raise ValueError(f"{_FILE.name}: codes must be unique and include {FALLBACK}")
    return languages


CONFIGURED: tuple[Language, ...] = _load()
LANGUAGES: tuple[str, ...] = tuple(language.code for language in CONFIGURED)
"""Every configured language code, in the order /lang offers them."""
REQUIRED: tuple[str, ...] = tuple(language.code for language in CONFIGURED if language.required)
"""The codes every text must have."""
LANGUAGE_NAMES: dict[str, str] = {language.code: language.name for language in CONFIGURED}
HINTS: dict[str, str] = {hint: language.code for language in CONFIGURED for hint in (language.code, *language.hints)}
ALIASES: dict[str, str] = {alias.lower(): language.code for language in CONFIGURED
                           for alias in (language.code, language.name, *language.aliases)}
RTL: frozenset[str] = frozenset(language.code for language in CONFIGURED if language.rtl)
UNREVIEWED: tuple[str, ...] = tuple(language.code for language in CONFIGURED if not language.reviewed)
