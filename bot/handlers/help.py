"""/help: what a person can do."""

from __future__ import annotations

from bot.turn import Turn


async def show(turn: Turn, args: str) -> None:
    """List the commands in the person's language."""
    turn.say(turn.t("help.text"))
