"""/privacy, /export and /erase: what is stored, a copy of it, and deleting it."""

from __future__ import annotations

from bot.data_export import personal_data
from bot.erasure import erase as erase_person
from bot.events import Choice
from bot.flows.consent import terms
from bot.turn import Turn
from core.i18n import answer_words
from core.roles import RESIDENT
from storage.models import utcnow
from storage.people import memberships, sole_coordinator_of

CONFIRM = {"confirm"} | answer_words("yes")
KEEP = {"keep"} | answer_words("no")


async def show(turn: Turn, args: str) -> None:
    """What is stored, why, who sees what, and how to delete it."""
    turn.say(await terms(turn))


async def export(turn: Turn, args: str) -> None:
    """Everything stored about the person, as JSON, only to them."""
    audience = turn.personal(rich=True)
    if audience is None:
        turn.say(turn.t("private.open_chat", link=turn.private_link()))
        return
    data = await personal_data(turn.session, turn.person, turn.lang)
    turn.say(turn.t("export.done", **data.counts), audience=audience, document=data.content,
             document_name=f"samson-my-data-{utcnow():%Y-%m-%d}.json")


async def _resident_only(turn: Turn) -> bool:
    """Whether every membership the person has is a resident's (no contacts or actions of theirs to mention)."""
    roles = {m.role for m, _ in await memberships(turn.session, turn.person.id)}  # type: ignore[arg-type]
    return roles == {RESIDENT}


async def erase(turn: Turn, args: str) -> None:
    """Delete the person's data after an explicit confirmation (typed, or the button)."""
    answer = args.strip().lower()
    if answer in KEEP:
        in_round = turn.identity.awaiting == "round" and turn.identity.active_response_id
        turn.say(turn.t("erase.kept") + ("\n" + turn.t("unknown_command.in_round") if in_round else ""))
        return
    if answer not in CONFIRM:
        buttons = (Choice("/erase confirm", "🗑 " + turn.t("word.yes").capitalize()),
                   Choice("/erase keep", turn.t("choice.cancel")))
        text = turn.t("erase.confirm_resident" if await _resident_only(turn) else "erase.confirm", yes=turn.t("word.yes"))
        for partnership in await sole_coordinator_of(turn.session, turn.person.id):  # type: ignore[arg-type]
            text += "\n" + turn.t("erase.last_coordinator", partnership=partnership.name)
        turn.say(text, buttons)
        return
    await erase_person(turn)
