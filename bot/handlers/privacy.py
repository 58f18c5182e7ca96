"""/privacy, /export and /erase: what is stored, a copy of it, and deleting it."""

from __future__ import annotations

import json

from bot.erasure import erase as erase_person
from bot.turn import Turn
from core.i18n import answer_words
from storage.people import export_person

CONFIRM = {"confirm"} | answer_words("yes")


async def show(turn: Turn, args: str) -> None:
    """What is stored, why, who sees what, and how to delete it."""
    partnership = await turn.partnership()
    turn.say(turn.t("privacy.text", k=partnership.k_threshold if partnership else 3))


async def export(turn: Turn, args: str) -> None:
    """Everything stored about the person, as JSON, only to them."""
    audience = turn.personal(rich=True)
    if audience is None:
        turn.say(turn.t("private.open_chat", link=turn.private_link()))
        return
    data = await export_person(turn.session, turn.person)
    turn.say(turn.t("export.done") + "\n" + json.dumps(data, ensure_ascii=False, indent=2), audience=audience)


async def erase(turn: Turn, args: str) -> None:
    """Delete the person's data after an explicit confirmation."""
    if args.strip().lower() not in CONFIRM:
        turn.say(turn.t("erase.confirm", yes=turn.t("word.yes")))
        return
    await erase_person(turn)
