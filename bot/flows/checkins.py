"""The monthly check-in in conversation: the contact answer counts as contact."""

from __future__ import annotations

from sqlmodel import select

from bot.turn import Turn
from storage.contacts import record_contact
from storage.models import Answer, Organisation, Partnership, Response, Round

CONTACT_ITEM = "ci.contact"


async def on_completed(turn: Turn, round_: Round, response: Response) -> None:
    """After the last check-in item: the contact answer counts as contact; thank the person."""
    partnership = await turn.session.get(Partnership, round_.partnership_id)
    answer = (await turn.session.exec(select(Answer).where(
        Answer.response_id == response.id, Answer.item_id == CONTACT_ITEM))).first()
    if partnership and response.organisation_id and answer and answer.text and answer.text != "none":
        org = await turn.session.get(Organisation, response.organisation_id)
        if org is not None:
            await record_contact(turn.session, org, partnership.contact_frequency, kind=answer.text,
                                 source="checkin", person_id=turn.person.id)
    turn.say(turn.t("checkin.thanks"))
