"""/help: what a person can do."""

from __future__ import annotations

from bot.turn import Turn
from core.i18n import command_words
from storage.models import Role
from storage.people import memberships


async def show(turn: Turn, args: str) -> None:
    """List the commands in the person's language."""
    text = turn.t("help.text", **command_words(turn.lang))
    found = await memberships(turn.session, turn.person.id)  # type: ignore[arg-type]
    if any(m.role == Role.coordinator.value for m, _ in found):
        text += "\n\n" + turn.t("help.coordinator")
    turn.say(text)
