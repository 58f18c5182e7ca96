"""/session: a live dialogue in a bound channel (start, continue, end, propose) and its buttons."""

from __future__ import annotations

from bot.flows import dialogue
from bot.turn import Turn


async def session_command(turn: Turn, args: str) -> None:
    """``/session start [1–7]`` | ``continue`` | ``end`` | ``propose TEXT``; the buttons send vote, show, next, pause."""
    action, _, rest = args.strip().partition(" ")
    action = action.lower()
    words = rest.split()
    if action in ("start", "begin"):
        await dialogue.start(turn, rest)
    elif action == "vote" and len(words) == 2:
        await dialogue.vote(turn, words[0], words[1])
    elif action == "show" and len(words) == 1:
        await dialogue.show(turn, words[0])
    elif action == "next" and len(words) == 1:
        await dialogue.next_statement(turn, words[0])
    elif action == "pause" and len(words) == 1:
        await dialogue.pause(turn, words[0])
    elif action in ("continue", "resume", "fortsett", "fortsätt"):
        await dialogue.resume(turn)
    elif action in ("end", "stop", "avslutt", "avsluta"):
        await dialogue.end(turn)
    elif action in ("propose", "foreslå", "föreslå"):
        await dialogue.propose(turn, rest)
    else:
        turn.say(turn.t("session.usage"), is_error=True)
