"""The action register's queries: entries with their idea, author and owner; versioned status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_many_or_skip
from storage.models import Action, ActionIdea, ActionStatus, Answer, Organisation, Person, Response, Round, utcnow

OPEN = (ActionStatus.agreed.value, ActionStatus.in_progress.value)
"""Agreed and not finished: these are listed, followed up and can be overdue."""


@dataclass(frozen=True)
class Entry:
    """One register entry with what it takes to show it: the idea's sharing and round, names."""

    action: Action
    sharing: str | None
    round_id: int | None
    item_id: str | None
    author: str | None
    owner: str | None
    owner_person: str | None


async def register_ideas(session: AsyncSession, partnership_id: int) -> None:
    """Give every idea typed after a question an entry in the register (once; a second call adds nothing)."""
    known = select(Action.idea_id).where(col(Action.idea_id).is_not(None))
    rows = (await session.exec(
        select(ActionIdea, Response.person_id)
        .join(Response, Response.id == ActionIdea.response_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.partnership_id == partnership_id, col(ActionIdea.id).not_in(known))
        .order_by(ActionIdea.id))).all()
    if rows:
        now = utcnow()
        await insert_many_or_skip(session, Action, "idea_id", [
            {"partnership_id": partnership_id, "text": idea.text, "source": "idea", "idea_id": idea.id,
             "author_id": person, "status": ActionStatus.proposed.value, "version": 0, "created_at": idea.created_at,
             "updated_at": now} for idea, person in rows])


async def entries(session: AsyncSession, partnership_id: int, statuses: tuple[str, ...]) -> list[Entry]:
    """The partnership's entries with these statuses, oldest first."""
    author = Person.__table__.alias("author")  # type: ignore[attr-defined]
    owner_person = Person.__table__.alias("owner_person")  # type: ignore[attr-defined]
    query = (
        select(Action, ActionIdea.sharing, Response.round_id, ActionIdea.item_id, author.c.display_name,  # type: ignore[call-overload]
               Organisation.name, owner_person.c.display_name)
        .join(ActionIdea, ActionIdea.id == Action.idea_id, isouter=True)
        .join(Response, Response.id == ActionIdea.response_id, isouter=True)
        .join(author, author.c.id == Action.author_id, isouter=True)
        .join(Organisation, Organisation.id == Action.owner_organisation_id, isouter=True)
        .join(owner_person, owner_person.c.id == Action.owner_person_id, isouter=True)
        .where(Action.partnership_id == partnership_id, col(Action.status).in_(statuses))
        .order_by(Action.id)
    )
    return [Entry(a, sharing if a.idea_id else a.sharing, round_id, item_id, name, org, person)
            for a, sharing, round_id, item_id, name, org, person in (await session.exec(query)).all()]


async def idea_contributors(session: AsyncSession, partnership_id: int) -> dict[int, int]:
    """Per round: how many people gave ideas (anonymous ideas are shown from k contributors)."""
    rows = (await session.exec(
        select(Response.round_id, func.count(func.distinct(Response.person_id)))
        .join(ActionIdea, ActionIdea.response_id == Response.id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.partnership_id == partnership_id)
        .group_by(Response.round_id))).all()
    return {round_id: n for round_id, n in rows}


async def change(session: AsyncSession, action: Action, seen_version: int, **values: object) -> bool:
    """Apply ``values`` only if nobody changed the entry since ``seen_version`` was read."""
    result = await session.exec(  # type: ignore[call-overload]
        update(Action).where(Action.id == action.id, Action.version == seen_version)
        .values(**values, version=seen_version + 1, updated_at=utcnow()))
    if result.rowcount != 1:
        return False
    await session.refresh(action)
    return True


async def overdue(session: AsyncSession, today: date) -> list[Action]:
    """Open actions whose due date has passed, everywhere."""
    return list((await session.exec(
        select(Action).where(col(Action.status).in_(OPEN), col(Action.due_on) < today)
        .order_by(Action.id))).all())


async def counts_since(session: AsyncSession, partnership_id: int, since: datetime,
                       until: datetime | None = None) -> tuple[int, int]:
    """How many entries were agreed, and how many done, since ``since`` (and before ``until``, if given)."""
    def between(column: Any) -> list[Any]:
        return [col(column) >= since, *([col(column) < until] if until else [])]

    agreed = (await session.exec(select(func.count()).select_from(Action).where(
        Action.partnership_id == partnership_id, *between(Action.agreed_at)))).one()
    done = (await session.exec(select(func.count()).select_from(Action).where(
        Action.partnership_id == partnership_id, Action.status == ActionStatus.done.value,
        *between(Action.done_at)))).one()
    return agreed, done


async def written_answers(session: AsyncSession, round_id: int, item_id: str) -> list[tuple[str, int]]:
    """The texts written for an item in a round, with their authors, in alphabetical order: the order people
    answered in (which a coordinator watching who completed when may know) would tell who wrote what."""
    rows = (await session.exec(
        select(Answer.text, Response.person_id).join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id, Answer.item_id == item_id, col(Answer.text).is_not(None)))).all()
    return sorted(((text, person) for text, person in rows if text), key=lambda row: (row[0].casefold(), row[0]))
