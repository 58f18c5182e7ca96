"""Erasing a person: every row about them goes, then the confirmation (in their language, said before)."""

from __future__ import annotations

from bot.turn import Turn
from storage.people import erase_person


async def erase(turn: Turn) -> None:
    """Delete everything about the person of this turn and confirm; adapters drop files kept for them."""
    goodbye = turn.t("erase.done")
    await erase_person(turn.session, turn.person)
    turn.say(goodbye, forget_local_files=True)
