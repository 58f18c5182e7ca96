"""/help: what a person can do."""

from __future__ import annotations

from bot.turn import Turn
from core.i18n import command_words
from storage.models import Role
from storage.people import memberships

PARTNERS_ONLY = ("/contact ", "/snooze ", "/group survey ", "/group residents ")
"""Help lines for partners only: contact between organisations, the partner survey, the residents' round seen
from outside. Not shown to residents."""


async def show(turn: Turn, args: str) -> None:
    """List the commands in the person's language (a resident is not told about partner contact or the survey)."""
    text = turn.t("help.text", **command_words(turn.lang))
    found = await memberships(turn.session, turn.person.id)  # type: ignore[arg-type]
    if found and all(m.role == Role.resident.value for m, _ in found):
        text = "\n".join(line for line in text.split("\n") if not line.startswith(PARTNERS_ONLY))
    if any(m.role == Role.coordinator.value for m, _ in found):
        text += "\n\n" + turn.t("help.coordinator")
    turn.say(text)
