"""A person's copy of their data (``/export``): everything stored about them, as a JSON file, with the
statements they answered written out in their language, and a one-line summary to go with it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import t
from core.instrument import InstrumentError, load_instrument
from core.survey import side_of_kind
from storage.models import Person
from storage.people import export_person


@dataclass(frozen=True)
class PersonalData:
    """The file and the counts its summary names."""

    content: bytes
    counts: dict[str, int]


def _with_statements(data: dict, lang: str) -> None:
    """Add each answered statement's wording (as the person saw it, in their language) next to its id."""
    for response in data["responses"]:
        try:
            instrument = load_instrument(response["instrument"], response["instrument_version"])
        except InstrumentError:  # an instrument no longer bundled: the ids stay as stored
            continue
        items = {item.id: item for item in instrument.items}
        kind = response.pop("organisation_kind", None)
        side = side_of_kind(kind) if kind else None
        for entry in response["answers"] + response["action_ideas"]:
            item = items.get(entry["item"])
            if item is None:
                continue
            entry["statement"] = item.wording(lang, side)  # as the person was asked it
            option = next((o for o in item.options if o.id == entry.get("answer")), None)
            if option is not None:
                entry["answer"] = option.label.get(lang)
            elif "answer" in entry and entry["answer"] is None:
                entry["answer"] = t(lang, "export.no_answer")


async def personal_data(session: AsyncSession, person: Person, lang: str) -> PersonalData:
    """Everything stored about ``person``, as an indented UTF-8 JSON file."""
    data = await export_person(session, person)
    _with_statements(data, lang)
    counts = {"responses": len(data["responses"]),
              "answers": sum(len(response["answers"]) for response in data["responses"]),
              "ideas": sum(len(response["action_ideas"]) for response in data["responses"]),
              "actions": len(data["actions"]), "contacts": len(data["contacts"])}
    return PersonalData(json.dumps(data, ensure_ascii=False, indent=2).encode(), counts)
