"""Ideas for action as others may see them: each author's sharing choice, through the disclosure gate."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.disclosure import Contribution, SharedText, Sharing, shared_text, shared_texts
from storage.actions import written_answers
from storage.models import ActionIdea, Person, Response, Round


async def shared_ideas(
    session: AsyncSession, partnership_id: int, k: int, *, since: datetime | None = None,
    for_coordinators: bool = False, newest_first: bool = False,
) -> list[SharedText]:
    """The partnership's ideas a reader may see; anonymous ones count contributors per round."""
    query = (
        select(ActionIdea, Response.round_id, Response.person_id, Person.display_name)
        .join(Response, Response.id == ActionIdea.response_id)
        .join(Round, Round.id == Response.round_id)
        .join(Person, Person.id == Response.person_id)
        .where(Round.partnership_id == partnership_id)
        .order_by(Response.round_id, ActionIdea.id)
    )
    shown: list[tuple[datetime, SharedText]] = []
    for _round, group in groupby((await session.exec(query)).all(), key=lambda row: row[1]):
        members = list(group)
        contributors = len({person for _, _, person, _ in members})
        for idea, _, person, name in members:
            if since is not None and idea.created_at < since:
                continue
            sharing = Sharing(idea.sharing) if idea.sharing else None
            text = shared_text(Contribution(person, idea.text, sharing, name), contributors, k,
                               for_coordinators=for_coordinators)
            if text is not None:
                shown.append((idea.created_at, text))
    shown.sort(key=lambda pair: pair[0], reverse=newest_first)
    return [text for _, text in shown]


async def shared_answers(session: AsyncSession, round_id: int, item_id: str, k: int) -> list[SharedText]:
    """Free-text answers to an item, shared anonymously: shown only once at least k people wrote one.

    In alphabetical order: the order people answered in (which a coordinator watching who completed may know)
    would tell who wrote what.
    """
    rows = await written_answers(session, round_id, item_id)
    return shared_texts([Contribution(person, text, Sharing.ANONYMOUS) for text, person in rows], k)


def idea_line(text: SharedText) -> str:
    """'• text (name)' for a list."""
    return f"• {text.text}" + (f" ({text.name})" if text.name else "")
