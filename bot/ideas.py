"""Free-text answers as others may see them: anonymous, through the disclosure gate (ideas for action are
shown from the action register, ``bot.actions``)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from core.disclosure import Contribution, SharedText, Sharing, shared_texts
from storage.actions import written_answers


async def shared_answers(session: AsyncSession, round_id: int, item_id: str, k: int) -> list[SharedText]:
    """Free-text answers to an item, shared anonymously: shown only once at least k people wrote one.

    In alphabetical order: the order people answered in (which a coordinator watching who completed may know)
    would tell who wrote what.
    """
    rows = await written_answers(session, round_id, item_id)
    return shared_texts([Contribution(person, text, Sharing.ANONYMOUS) for text, person in rows], k)
