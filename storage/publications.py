"""Published snapshots of rounds' group results."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Publication, Round


async def of_round(session: AsyncSession, round_id: int) -> list[Publication]:
    """A round's publications, oldest first."""
    query = select(Publication).where(Publication.round_id == round_id).order_by(Publication.number)
    return list((await session.exec(query)).all())


async def latest(session: AsyncSession, round_id: int) -> Publication | None:
    """A round's latest publication."""
    query = select(Publication).where(Publication.round_id == round_id).order_by(col(Publication.number).desc())
    return (await session.exec(query)).first()


async def latest_published_round(
    session: AsyncSession, partnership_id: int, instrument_id: str, before_number: int | None = None
) -> tuple[Round, Publication] | None:
    """The newest round of an instrument with a publication (optionally only rounds before ``before_number``)."""
    query = (
        select(Round, Publication)
        .join(Publication, Publication.round_id == Round.id)
        .where(Round.partnership_id == partnership_id, Round.instrument_id == instrument_id)
        .order_by(col(Round.number).desc(), col(Publication.number).desc())
    )
    if before_number is not None:
        query = query.where(Round.number < before_number)
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found else None


async def next_number(session: AsyncSession, round_id: int) -> int:
    """The number the next publication of a round gets."""
    last = (await session.exec(select(func.max(Publication.number)).where(Publication.round_id == round_id))).one()
    return (last or 0) + 1


async def published_rounds(session: AsyncSession, partnership_id: int, instrument_id: str) -> list[Round]:
    """The partnership's rounds of an instrument that have a publication, newest first."""
    query = (
        select(Round).where(Round.partnership_id == partnership_id, Round.instrument_id == instrument_id,
                            col(Round.id).in_(select(Publication.round_id)))
        .order_by(col(Round.number).desc())
    )
    return list((await session.exec(query)).all())
