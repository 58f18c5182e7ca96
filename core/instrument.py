"""Instruments as data: the model of an instrument file, and its validated loading.

An instrument is a versioned YAML file, ``core/instruments/<id>/v<version>.yaml``,
with every text keyed by language code (``core/locales/languages.yaml``). A round stores the version it ran; a changed
wording is a new version, and item ids stay stable so results remain comparable.
Loading validates a file fully; a broken file raises :class:`InstrumentError`
naming the file, the item and what is wrong.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, field_validator, model_validator

from core.languages import FALLBACK, LANGUAGES, REQUIRED
from core.yaml_data import load_yaml

SIDES: tuple[str, ...] = ("municipality", "social_enterprise")
INSTRUMENT_DIR = Path(__file__).parent / "instruments"


class InstrumentError(ValueError):
    """A broken instrument file; the message names the file, the item and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(RootModel[dict[str, str]]):
    """One text keyed by language code: every required language, optionally more of the configured ones."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _languages(self) -> Text:
        for lang in REQUIRED:
            if not (self.root.get(lang) or "").strip():
                raise ValueError(f"'{lang}' is missing")
        unknown = sorted(set(self.root) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {', '.join(unknown)} (configured: {', '.join(LANGUAGES)})")
        return self

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.root.items())))

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to English."""
        return self.root.get(lang) or self.root[FALLBACK]

    @property
    def languages(self) -> tuple[str, ...]:
        """The language codes this text has."""
        return tuple(self.root)


class Scale(_Strict):
    """A numeric answer scale, e.g. 1–10 with "can't say" or 1–100 with skip."""

    min: int
    max: int
    na: bool = False
    """The respondent may answer "can't say" (stored as no value)."""
    skip: bool = False
    """The respondent may leave the item unanswered (stored as no value)."""
    neutral: int | None = None
    """The neutral middle of a Likert scale, e.g. 3 on 1–5."""
    labels: dict[int, Text] = {}
    buttons: list[int] | None = None
    """Values offered as buttons; all values when omitted and the scale is short."""

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.neutral is not None and not self.min <= self.neutral <= self.max:
            raise ValueError(f"neutral {self.neutral} is outside {self.min}–{self.max}")
        for key in list(self.labels) + list(self.buttons or []):
            if not self.min <= key <= self.max:
                raise ValueError(f"value {key} is outside {self.min}–{self.max}")
        return self

    def button_values(self) -> list[int]:
        """The values to offer as buttons."""
        if self.buttons is not None:
            return list(self.buttons)
        if self.max - self.min <= 10:
            return list(range(self.min, self.max + 1))
        return []


class Option(_Strict):
    """One option of a single-choice item."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    label: Text
    value: float | None = None
    """What the option means as a number, where its item's purpose needs one (e.g. days since contact)."""


class ValueDef(_Strict):
    """One of the model's cross-cutting values (Åpenhet, Demokrati, …)."""

    id: str = Field(pattern=r"^[a-z_]{1,24}$")
    label: Text


Purpose = Literal["contact_kind", "contact_frequency", "informal_contact", "score", "progress", "obstacle",
                  "next_step"]


class Item(_Strict):
    """One question or statement."""

    id: str = Field(pattern=r"^[a-z0-9_.-]{1,32}$")
    type: Literal["scale", "choice", "text"]
    text: Text
    text_by_side: dict[str, Text] = {}
    """Wording that depends on the respondent's side (municipality / social enterprise)."""
    scale: str | None = None
    options: list[Option] = []
    optional: bool = False
    max_length: int = Field(default=2000, ge=1, le=4000)
    subtheme: Text | None = None
    """Short label for chart axes."""
    value: str | None = None
    """The value the item mainly expresses; drives the grey weighting profile."""
    weights: str | None = None
    """For weighting items: the value whose importance this item asks for."""
    action_idea: bool = False
    """Offer an optional idea for action after this item."""
    explain: Text | None = None
    """One plain sentence saying what the statement means, behind an "explain" button."""
    number: int | None = Field(default=None, ge=1)
    """The item's number in the source questionnaire (the survey's 1–82)."""
    reverse: bool = False
    """Reverse-keyed: a high answer means less of what its construct measures."""
    from_profile: Literal["organisation"] | None = None
    """Not asked: the answer comes from the respondent's profile (e.g. which partner they represent)."""
    purpose: Purpose | None = None
    """What the answer is used for beyond the results (check-ins: contact, the score, the register)."""

    @field_validator("text_by_side")
    @classmethod
    def _known_sides(cls, v: dict[str, Text]) -> dict[str, Text]:
        unknown = set(v) - set(SIDES)
        if unknown:
            raise ValueError(f"unknown side {sorted(unknown)}; use {list(SIDES)}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Item:
        if self.type == "scale" and not self.scale:
            raise ValueError("a scale item needs 'scale'")
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError("a choice item needs at least two options")
        if self.type != "choice" and self.options:
            raise ValueError("only choice items have options")
        return self

    def wording(self, lang: str, side: str | None = None) -> str:
        """The item's text for this language and respondent side."""
        if side and side in self.text_by_side:
            return self.text_by_side[side].get(lang)
        return self.text.get(lang)


class Section(_Strict):
    """A group of items: the value weighting, one action field, one survey part."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title: Text
    intro: Text | None = None
    role: Literal["weighting", "field", "part"] = "part"
    items: list[Item] = Field(min_length=1)


class Category(_Strict):
    """A group of constructs, e.g. one of Mattessich's six categories of success factors."""

    id: str = Field(pattern=r"^[a-z_]{1,32}$")
    label: Text


class Construct(_Strict):
    """A score declared in the data: the mean of its items (reverse-keyed ones mirrored on their scale)."""

    id: str = Field(pattern=r"^[a-z_]{1,32}$")
    kind: Literal["factor", "barrier", "index"]
    label: Text
    items: list[str] = Field(min_length=1)
    category: str | None = None
    """For factors: the category they belong to."""


RESEARCH_CONSENT = "research_consent"
"""The id of the research-consent question an instrument may ask first."""


class Instrument(_Strict):
    """A versioned instrument: SAMSON, the partner survey or the monthly check-in."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    version: int = Field(ge=1)
    kind: Literal["scorecard", "survey", "checkin"]
    title: Text
    intro: Text | None = None
    values: list[ValueDef] = []
    scales: dict[str, Scale] = {}
    sections: list[Section] = Field(min_length=1)
    field_size: tuple[int, int] = (6, 9)
    """How many statements a field section must hold."""
    audience: Literal["any", "partners", "residents"] = "any"
    """Who answers it: anyone, partners only (the survey), or residents (their own instrument)."""
    for_residents: str | None = None
    """The instrument residents answer instead in a round of this one (SAMSON: ``residents``)."""
    breakdown: Literal["kind", "side"] = "kind"
    """How group results are broken down: by organisation kind, or by side of the table."""
    research_consent: Text | None = None
    """Asked once, first: may the answers go, pseudonymised, into the research export?"""
    categories: list[Category] = []
    constructs: list[Construct] = []
    minutes: int | None = Field(default=None, ge=1)
    """About how long answering takes, when its questions take longer than usual to read."""

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        seen: set[str] = set()
        value_ids = {v.id for v in self.values}
        for section in self.sections:
            if section.role == "field":
                low, high = self.field_size
                if not low <= len(section.items) <= high:
                    raise ValueError(
                        f"section '{section.id}': a field needs {low}–{high} statements, "
                        f"it has {len(section.items)}"
                    )
            for item in section.items:
                where = f"item '{item.id}'"
                if item.id in seen:
                    raise ValueError(f"{where}: the id is used twice")
                seen.add(item.id)
                if item.scale and item.scale not in self.scales:
                    raise ValueError(f"{where}: unknown scale '{item.scale}'")
                for ref in (item.value, item.weights):
                    if ref and ref not in value_ids:
                        raise ValueError(f"{where}: unknown value '{ref}'")
                if section.role == "field":
                    if not (item.subtheme and item.value):
                        raise ValueError(f"{where}: a field statement needs 'subtheme' and 'value'")
                if section.role == "weighting" and not item.weights:
                    raise ValueError(f"{where}: a weighting item needs 'weights'")
                if item.reverse and not item.scale:
                    raise ValueError(f"{where}: only scale items can be reverse-keyed")
        if RESEARCH_CONSENT in seen:
            raise ValueError(f"item '{RESEARCH_CONSENT}': the id is reserved for the research consent")
        self._check_constructs(seen)
        return self

    def _check_constructs(self, item_ids: set[str]) -> None:
        categories = {c.id for c in self.categories}
        construct_ids: set[str] = set()
        owner: dict[tuple[str, str], str] = {}
        for construct in self.constructs:
            where = f"construct '{construct.id}'"
            if construct.id in construct_ids:
                raise ValueError(f"{where}: the id is used twice")
            construct_ids.add(construct.id)
            if construct.kind == "factor" and construct.category not in categories:
                raise ValueError(f"{where}: a factor needs a known 'category' (known: {sorted(categories)})")
            scales = set()
            for item_id in construct.items:
                if item_id not in item_ids:
                    raise ValueError(f"{where}: unknown item '{item_id}'")
                item = self.item(item_id)
                if item.type != "scale":
                    raise ValueError(f"{where}: item '{item_id}' is not a scale item")
                scales.add(item.scale)
                if construct.kind != "index" and (construct.kind, item_id) in owner:
                    raise ValueError(f"{where}: item '{item_id}' is already in '{owner[(construct.kind, item_id)]}'")
                owner[(construct.kind, item_id)] = construct.id
            if len(scales) > 1:
                raise ValueError(f"{where}: its items use different scales {sorted(s or '' for s in scales)}")

    @property
    def answerable_in(self) -> tuple[str, ...]:
        """The languages every statement is written in (the title and labels may have more)."""
        texts = [item.text for item in self.all_items] + [t for item in self.all_items for t in item.text_by_side.values()]
        return tuple(lang for lang in self.title.languages if all(lang in text.root for text in texts))

    @property
    def all_items(self) -> list[Item]:
        """Every item of the file, including those filled from the profile."""
        return [item for section in self.sections for item in section.items]

    @property
    def items(self) -> list[Item]:
        """The items a respondent answers, in order (the research consent first, when asked)."""
        asked = [item for item in self.all_items if item.from_profile is None]
        return [self.consent_item, *asked] if self.consent_item else asked

    @property
    def consent_item(self) -> Item | None:
        """The research consent as a yes/no question, if the instrument asks it."""
        if self.research_consent is None:
            return None
        return _consent_item(self.research_consent)

    def item_for(self, purpose: str) -> Item | None:
        """The item that serves ``purpose``, if the instrument has one."""
        return next((item for item in self.all_items if item.purpose == purpose), None)

    def constructs_of(self, kind: str) -> list[Construct]:
        """The declared constructs of one kind (factor, barrier, index), in order."""
        return [c for c in self.constructs if c.kind == kind]

    def section_of(self, item_id: str) -> Section:
        """The section holding ``item_id`` (the first section for the research consent)."""
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        if item_id == RESEARCH_CONSENT and self.consent_item:
            return self.sections[0]
        raise KeyError(item_id)

    def item(self, item_id: str) -> Item:
        """The item with this id."""
        for item in self.all_items:
            if item.id == item_id:
                return item
        if item_id == RESEARCH_CONSENT and self.consent_item:
            return self.consent_item
        raise KeyError(item_id)

    def scale_of(self, item: Item) -> Scale | None:
        """The scale of a scale item."""
        return self.scales[item.scale] if item.scale else None

    @property
    def fields(self) -> list[Section]:
        """The action-field sections (SAMSON's seven fields)."""
        return [s for s in self.sections if s.role == "field"]

    def value_label(self, value_id: str, lang: str) -> str:
        """The label of a value in ``lang``."""
        return next(v.label.get(lang) for v in self.values if v.id == value_id)


@cache
def _consent_item(question: Text) -> Item:
    yes = Text({"nb": "Ja, det er greit", "sv": "Ja, det går bra", "en": "Yes, that is fine"})
    no = Text({"nb": "Nei", "sv": "Nej", "en": "No"})
    return Item(id=RESEARCH_CONSENT, type="choice", text=question,
                options=[Option(id="yes", label=yes), Option(id="no", label=no)])


def _describe(doc: dict, loc: tuple) -> str:
    """Turn a pydantic error location into 'item 'x' (sections[1].items[2].text)'."""
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    try:
        if loc[0] == "sections" and loc[2] == "items":
            item_id = doc["sections"][loc[1]]["items"][loc[3]].get("id", "?")
            return f"item '{item_id}' ({path})"
        if loc[0] == "sections":
            return f"section '{doc['sections'][loc[1]].get('id', '?')}' ({path})"
    except (IndexError, KeyError, TypeError, AttributeError):
        pass
    return path or "top level"


def parse_instrument(raw: str, source: str) -> Instrument:
    """Parse and validate instrument YAML; ``source`` names the file in errors."""
    try:
        doc = load_yaml(raw)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise InstrumentError(f"{source}: expected a mapping at the top level")
    try:
        return Instrument.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = f"'{err['loc'][-1]}' is missing"
            problems.append(f"{_describe(doc, err['loc'])}: {msg}")
        raise InstrumentError(f"{source}: " + "; ".join(problems)) from None


_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.yaml$")


def load_instrument_file(path: Path) -> Instrument:
    """Load and validate one instrument file; a bundled file must match its place (``<id>/v<version>.yaml``)."""
    source = f"{path.parent.name}/{path.name}" if path.parent.parent == INSTRUMENT_DIR else path.name
    instrument = parse_instrument(path.read_text(encoding="utf-8"), source)
    if path.parent.parent == INSTRUMENT_DIR:
        match = _VERSION_FILE.match(path.name)
        if not match or (path.parent.name, int(match.group(1))) != (instrument.id, instrument.version):
            raise InstrumentError(
                f"{source}: the file says {instrument.id} v{instrument.version}; "
                f"it must live in {instrument.id}/v{instrument.version}.yaml")
    return instrument


def bundled_files() -> list[Path]:
    """Every bundled instrument file, by id and version."""
    return sorted(INSTRUMENT_DIR.glob("*/v*.yaml"), key=lambda p: (p.parent.name, _version_of(p)))


def _version_of(path: Path) -> int:
    match = _VERSION_FILE.match(path.name)
    return int(match.group(1)) if match else 0


def versions(instrument_id: str) -> list[int]:
    """The bundled versions of an instrument, oldest first."""
    return sorted(v for p in (INSTRUMENT_DIR / instrument_id).glob("v*.yaml") if (v := _version_of(p)))


def known_ids() -> list[str]:
    """The ids of the bundled instruments."""
    return sorted({p.parent.name for p in bundled_files()})


INSTRUMENT_WORDS = {
    "scorecard": "samson",
    "undersøkelse": "survey", "undersøkelsen": "survey", "partnerundersøkelse": "survey",
    "partnerundersøkelsen": "survey", "enkät": "survey", "enkäten": "survey", "partnerenkät": "survey",
    "partnerenkäten": "survey",
    "check-in": "checkin", "innsjekk": "checkin", "innsjekking": "checkin", "incheckning": "checkin",
    "dialogsjekk": "checkin", "dialogsjekken": "checkin", "dialogkoll": "checkin", "dialogkollen": "checkin",
}
"""Names of the bundled instruments as Norwegian and Swedish coordinators type them, besides their ids."""


def instrument_named(word: str) -> str | None:
    """The bundled instrument a typed word names (its id, or a name in ``INSTRUMENT_WORDS``), or None."""
    word = word.strip().lower()
    return word if word in known_ids() else INSTRUMENT_WORDS.get(word)


@cache
def load_instrument(instrument_id: str, version: int | None = None) -> Instrument:
    """A bundled instrument (``samson``, ``survey``, ``checkin``): the given version, or the newest."""
    found = versions(instrument_id)
    if not found:
        raise InstrumentError(f"unknown instrument '{instrument_id}' (known: {', '.join(known_ids())})")
    chosen = version or found[-1]
    if chosen not in found:
        raise InstrumentError(f"instrument '{instrument_id}' has no version {chosen} (known: {found})")
    return load_instrument_file(INSTRUMENT_DIR / instrument_id / f"v{chosen}.yaml")
