"""Seeding helpers for adapter and scheduler tests: people who joined and answered, without a chat."""

from __future__ import annotations

from core.flow import Answer as FlowAnswer
from core.instrument import load_instrument
from storage.models import Membership, Person, Round, utcnow
from storage.rounds import get_or_create_response, save_answer
from tests.conftest import full_answers


def _answer(value: str) -> FlowAnswer:
    if value in ("?", "skip", "na"):
        return FlowAnswer()
    return FlowAnswer(float(value), None) if value.isdigit() else FlowAnswer(None, value)


async def completed_person(session, round_: Round, organisation_id: int | None, name: str, seed: int = 0,
                           inputs: list[str] | None = None, role: str = "partner") -> Person:
    """A consenting member who has completed ``round_`` (with ``inputs``, one per question, or SAMSON answers)."""
    person = Person(display_name=name, lang="en", consent_at=utcnow())
    session.add(person)
    await session.flush()
    session.add(Membership(person_id=person.id, partnership_id=round_.partnership_id,
                           organisation_id=organisation_id, role=role))
    await session.flush()
    response = await get_or_create_response(session, round_, person.id)
    items = load_instrument(round_.instrument_id, round_.instrument_version).items
    for item, value in zip(items, inputs or full_answers(seed), strict=True):
        await save_answer(session, response.id, item.id, _answer(value))
    response.completed_at = utcnow()
    response.position = len(items) - 1
    session.add(response)
    await session.flush()
    return person
