"""The monthly check-in in conversation: its contact answer counts as contact, and owners are asked about
their open actions."""

from __future__ import annotations

from bot import actions
from bot.turn import Turn
from storage.actions import OPEN
from storage.contacts import record_contact
from storage.models import Organisation, Partnership, Response, Round


async def on_completed(turn: Turn, round_: Round, response: Response) -> None:
    """After the last check-in item: record the check-in as the organisation's contact, thank the person, ask
    about their actions.

    Answering is the contact; what was answered never moves the contact clock: day counts are shown to
    coordinators and colleagues, and in a one-member organisation they would tell that person's answer.
    The answers themselves reach others only as the digest's gated counts.
    """
    partnership = await turn.session.get(Partnership, round_.partnership_id)
    if partnership is None:
        return
    org = await turn.session.get(Organisation, response.organisation_id) if response.organisation_id else None
    if org is not None:
        await record_contact(turn.session, org, partnership.contact_frequency, kind="checkin", source="checkin",
                             person_id=turn.person.id)
    turn.say(turn.t("checkin.thanks"))
    for action in await actions.visible(turn.session, partnership, coordinator=False, statuses=OPEN):
        if await actions.owns(turn.session, action.number, turn.person):
            due = action.due_on.isoformat() if action.due_on else "—"
            turn.say(turn.t("checkin.action_followup", text=action.text, day=due, number=action.number),
                     actions.moves(action.number, action.status, turn.lang))
