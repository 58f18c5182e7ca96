"""The outbox: messages are decided (written with a unique key) before they are sent.

A key says what the message is for, e.g. ``nudge:12:org7:2027-02``; writing the
same key twice is a no-op, so a re-run, a restart or a second process never
decides the same message twice. Delivery claims a row before sending it and
marks it sent afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import aggregate_time, execute, insert_many_or_skip, insert_or_skip
from storage.models import Outbox, utcnow

CLAIM_LEASE = timedelta(minutes=2)
"""A claim older than this (its sender died mid-send) may be taken over. Sends time out well before."""

_outbox: Table = Outbox.__table__  # type: ignore[attr-defined]
_SENT_KEYS = (update(_outbox).where(_outbox.c.key.in_(bindparam("keys", expanding=True)), _outbox.c.sent_at.is_(None))
              .values(sent_at=bindparam("at"), params="{}"))
"""Built once: every reply is marked sent with it."""


async def enqueue(
    session: AsyncSession, key: str, *, platform: str, workspace: str, channel: str, kind: str,
    params: dict | None = None, partnership_id: int | None = None, not_before: datetime | None = None,
    claimed: bool = False,
) -> bool:
    """Decide a message; returns False if one with this key was already decided.

    ``claimed``: the caller sends it itself right after commit (a reply); others only
    take it over if that claim lapses.
    """
    now = utcnow()
    values = dict(
        key=key[:200], platform=platform, workspace=workspace, channel=channel, kind=kind,
        params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True), partnership_id=partnership_id,
        not_before=not_before or now, created_at=now, attempts=1 if claimed else 0, claimed_at=now if claimed else None,
    )
    return await insert_or_skip(session, Outbox, "key", **values)


async def enqueue_many(session: AsyncSession, rows: list[dict], chunk: int = 1000) -> int:
    """Decide many messages at once (``enqueue``'s keyword arguments per row, with ``key``); returns how many were new."""
    now = utcnow()
    values = [dict(
        key=row["key"][:200], platform=row["platform"], workspace=row["workspace"], channel=row["channel"],
        kind=row["kind"], params=json.dumps(row.get("params") or {}, ensure_ascii=False, sort_keys=True),
        partnership_id=row.get("partnership_id"), not_before=row.get("not_before") or now, created_at=now, attempts=0,
    ) for row in rows]
    added = 0
    for start in range(0, len(values), chunk):
        added += await insert_many_or_skip(session, Outbox, "key", values[start:start + chunk])
    return added


async def due(
    session: AsyncSession, now: datetime | None = None, limit: int = 200, platforms: Collection[str] | None = None,
    lease: timedelta | None = None,
) -> list[Outbox]:
    """Unsent rows whose time has come and which nobody holds a live claim on (for ``platforms``, if given)."""
    now = now or utcnow()
    lease = lease or CLAIM_LEASE
    query = (
        select(Outbox)
        .where(col(Outbox.sent_at).is_(None), Outbox.not_before <= now)
        .where(col(Outbox.platform).in_(platforms) if platforms is not None else True)
        .where(or_(col(Outbox.claimed_at).is_(None), col(Outbox.claimed_at) < now - lease))
        .order_by(Outbox.not_before, Outbox.id)
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def backlog(session: AsyncSession, platforms: Collection[str] | None = None) -> tuple[int, datetime | None]:
    """How many unsent rows are due now, and since when the oldest has waited."""
    now = utcnow()
    query = select(func.count(), func.min(Outbox.not_before)).where(
        col(Outbox.sent_at).is_(None), Outbox.not_before <= now)
    if platforms is not None:
        query = query.where(col(Outbox.platform).in_(platforms))
    count, oldest = (await session.exec(query)).one()  # type: ignore[call-overload]
    return count, aggregate_time(oldest)


async def claim(session: AsyncSession, row: Outbox, now: datetime | None = None, lease: timedelta | None = None) -> bool:
    """Take a row for sending; False if another sender got it first."""
    now = now or utcnow()
    lease = lease or CLAIM_LEASE
    statement = (
        update(Outbox)
        .where(Outbox.id == row.id, col(Outbox.sent_at).is_(None))
        .where(or_(col(Outbox.claimed_at).is_(None), col(Outbox.claimed_at) < now - lease))
        .values(claimed_at=now, attempts=Outbox.attempts + 1)
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def has_prefix(session: AsyncSession, prefix: str) -> bool:
    """Whether a message whose key starts with ``prefix`` was decided (e.g. this week's summary)."""
    found = (await session.exec(select(Outbox.id).where(col(Outbox.key).startswith(prefix, autoescape=True)).limit(1))).first()
    return found is not None


async def mark_sent(session: AsyncSession, row_id: int, error: str | None = None) -> None:
    """Record that a row went out (or, with ``error``, that it will not be retried)."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox).where(Outbox.id == row_id).values(sent_at=utcnow(), last_error=error[:500] if error else None)
    )


async def replied_since(session: AsyncSession, row: Outbox) -> bool:
    """Whether a reply to a later update was decided for the same chat (the person has moved on since).

    The same update's other row (``<key>:person``, what only the person may see) does not count.
    """
    later = (select(Outbox.id).where(col(Outbox.id) > row.id, Outbox.kind == "reply", Outbox.platform == row.platform,
                                     Outbox.workspace == row.workspace, Outbox.channel == row.channel,
                                     Outbox.key != f"{row.key}:person").limit(1))
    return (await session.exec(later)).first() is not None


async def mark_sent_keys(session: AsyncSession, keys: Collection[str]) -> None:
    """Record that the rows with these keys went out, and drop what they carried (replies are not kept)."""
    await execute(session, _SENT_KEYS, {"keys": list(keys), "at": utcnow()})


async def release_keys(session: AsyncSession, keys: Collection[str], error: str, retry_at: datetime) -> None:
    """Give claimed rows back after a temporary failure, to be sent by the delivery at ``retry_at``."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox).where(col(Outbox.key).in_(keys), col(Outbox.sent_at).is_(None))
        .values(claimed_at=None, not_before=retry_at, last_error=error[:500])
    )


async def release(session: AsyncSession, row_id: int, error: str, retry_at: datetime) -> None:
    """Give a claimed row back after a temporary failure, to be tried again at ``retry_at``."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox).where(Outbox.id == row_id).values(claimed_at=None, not_before=retry_at, last_error=error[:500])
    )
