"""The monthly check-in in conversation: its contact answer counts as contact, and owners are asked about
their open actions."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot import actions
from bot.turn import Turn
from core.instrument import load_instrument
from storage.actions import OPEN
from storage.contacts import record_contact
from storage.models import Answer, Organisation, Partnership, Response, Round, utcnow


async def on_completed(turn: Turn, round_: Round, response: Response) -> None:
    """After the last check-in item: record the contact it reports, thank the person, ask about their actions."""
    partnership = await turn.session.get(Partnership, round_.partnership_id)
    if partnership is None:
        return
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
    answers = {a.item_id: a for a in (await turn.session.exec(
        select(Answer).where(Answer.response_id == response.id))).all()}
    org = await turn.session.get(Organisation, response.organisation_id) if response.organisation_id else None
    kind_item, often_item = instrument.item_for("contact_kind"), instrument.item_for("contact_frequency")
    if org is not None and kind_item and (answer := answers.get(kind_item.id)) and answer.text not in (None, "none"):
        await record_contact(turn.session, org, partnership.contact_frequency, kind=answer.text or "",  # version 1
                             source="checkin", person_id=turn.person.id)
    if org is not None and often_item and (answer := answers.get(often_item.id)):
        option = next((o for o in often_item.options if o.id == answer.text), None)
        if option is not None and option.value is not None:  # contact on the date it reports, at the latest
            await record_contact(turn.session, org, partnership.contact_frequency, kind="checkin", source="checkin",
                                 person_id=turn.person.id, at=utcnow() - timedelta(days=option.value))
    turn.say(turn.t("checkin.thanks"))
    for action in await actions.visible(turn.session, partnership, coordinator=False, statuses=OPEN):
        if await actions.owns(turn.session, action.number, turn.person):
            due = action.due_on.isoformat() if action.due_on else "—"
            turn.say(turn.t("checkin.action_followup", text=action.text, day=due, number=action.number),
                     actions.moves(action.number, action.status, turn.lang))
