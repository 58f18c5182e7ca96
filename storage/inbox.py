"""The inbox: incoming updates are stored under their platform key before they are acknowledged.

``store`` writes a row (``ON CONFLICT DO NOTHING``: a re-delivery is recognised);
``take`` marks it processed inside the transaction that applies it, so an update
is applied once whichever worker, or a recovery after a crash, gets to it first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import aggregate_time, execute, insert_or_skip
from storage.models import Inbox, utcnow

MAX_ATTEMPTS = 3
"""An update whose handling failed this often is left alone (and logged), not retried forever."""

_inbox: Table = Inbox.__table__  # type: ignore[attr-defined]
_TAKE = (update(_inbox).where(_inbox.c.key == bindparam("wanted"), _inbox.c.processed_at.is_(None))
         .values(processed_at=bindparam("at"), attempts=_inbox.c.attempts + 1))
"""Built once: ``take`` runs on every tap."""


async def store(session: AsyncSession, key: str, platform: str, event: str) -> bool:
    """Record an update (not yet processed); False if it was seen before."""
    return await insert_or_skip(session, Inbox, "key", key=key[:128], platform=platform, event=event,
                                received_at=utcnow(), attempts=0)


async def take(session: AsyncSession, key: str, platform: str, event: str | None = None) -> bool:
    """Mark an update processed in this transaction; False if it already was (a duplicate).

    An update that was never stored (a caller without an inbox step) is recorded here, processed.
    Another transaction taking the same key waits for this one, then gets False.
    """
    if (await execute(session, _TAKE, {"wanted": key[:128], "at": utcnow()})).rowcount:
        return True
    return await insert_or_skip(session, Inbox, "key", key=key[:128], platform=platform, event=event or "{}",
                                received_at=utcnow(), processed_at=utcnow(), attempts=1)


async def failed(session: AsyncSession, key: str) -> None:
    """Count a failed attempt at an update (its transaction was rolled back)."""
    await session.exec(update(Inbox).where(Inbox.key == key[:128]).values(attempts=Inbox.attempts + 1))  # type: ignore[call-overload]


async def left_behind(session: AsyncSession, older_than: datetime, limit: int = 100) -> list[Inbox]:
    """Updates stored before ``older_than`` and still unprocessed (their worker died), oldest first."""
    query = (select(Inbox).where(col(Inbox.processed_at).is_(None), Inbox.received_at < older_than,
                                 Inbox.attempts < MAX_ATTEMPTS)
             .order_by(Inbox.received_at).limit(limit))
    return list((await session.exec(query)).all())


async def pending(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many stored updates wait to be processed, and since when the oldest has waited."""
    query = select(func.count(), func.min(Inbox.received_at)).where(col(Inbox.processed_at).is_(None),
                                                                   Inbox.attempts < MAX_ATTEMPTS)
    count, oldest = (await session.exec(query)).one()  # type: ignore[call-overload]
    return count, aggregate_time(oldest)
