"""Sending what the outbox holds, through whichever adapters are running.

Each row is claimed before it is sent and marked sent afterwards, so a restart
or a second process does not send it twice. Pacing is the adapters' business:
their senders go through the platforms' rate limiters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot import metrics
from bot.events import Reply
from bot.outgoing import compose
from storage import outbox
from storage.db import Database
from storage.models import utcnow
from storage.people import mark_unreachable

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RowTurn = Callable[[outbox.Outbox], contextlib.AbstractAsyncContextManager[None]]
"""Given a row, what to hold while composing and sending it."""


class Unreachable(Exception):
    """The recipient cannot be messaged (blocked the bot, left, deleted); do not retry."""


class TemporaryFailure(Exception):
    """Sending failed in a way worth retrying later (network, platform outage)."""


class Sender(Protocol):
    """What an adapter offers for messages nobody asked for just now."""

    platform: str

    async def send(self, workspace: str, channel: str, replies: Sequence[Reply]) -> None:
        """Post ``replies`` into ``channel``; raises ``Unreachable`` or ``TemporaryFailure``."""


class Delivery:
    """Flushes the outbox on demand (``kick``) and on a timer (``run``)."""

    def __init__(self, db: Database, senders: Sequence[Sender] = (), concurrency: int = 8,
                 lease: timedelta | None = None, turn: RowTurn | None = None) -> None:
        self.db = db
        self.lease = lease
        """How long a claim holds (default ``storage.outbox.CLAIM_LEASE``)."""
        self.turn = turn
        """What a row waits for before it is composed and sent (``BotCore.resend_turn``)."""
        self.senders = {sender.platform: sender for sender in senders}
        self._wake = asyncio.Event()
        self._gate = asyncio.Semaphore(concurrency)
        self._stopping = False
        self._sending: set[asyncio.Task] = set()
        """Sends under way in this process, whichever flush started them."""

    def add(self, sender: Sender) -> None:
        """Register an adapter's sender."""
        self.senders[sender.platform] = sender

    def kick(self) -> None:
        """Ask for a flush soon (called after a commit that decided messages)."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the flush under way, then leave ``run``."""
        self._stopping = True
        self._wake.set()

    async def run(self, interval: float = 1.0) -> None:
        """Flush until stopped: when kicked, and at least every ``interval`` seconds."""
        while not self._stopping:
            try:
                await self.flush()
            except Exception:
                log.exception("outbox flush failed")
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            except TimeoutError:
                pass
            self._wake.clear()

    async def observe(self) -> None:
        """Update the outbox gauges (called when ``/metrics`` is read)."""
        async with self.db.session() as session:
            pending, oldest = await outbox.backlog(session, platforms=list(self.senders) or None)
        metrics.OUTBOX_PENDING.set(pending)
        metrics.OUTBOX_LAG.set((utcnow() - oldest).total_seconds() if oldest else 0.0)

    async def flush(self, now: datetime | None = None) -> int:
        """Send every due row this process has a sender for; returns how many went out.

        It returns once nothing due is left unsent here: rows another flush of this process
        (the ``run`` loop's) had already taken are waited for, not skipped.
        """
        sent = 0
        while not self._stopping:
            async with self.db.session() as session:
                rows = await outbox.due(session, now, platforms=list(self.senders), lease=self.lease)
            if not rows:
                break
            results = await asyncio.gather(*(self._send_one(row.id, now) for row in rows))  # type: ignore[arg-type]
            sent += sum(results)
            if not any(results):
                break
        if others := self._sending - {asyncio.current_task()}:
            await asyncio.wait(others)
        return sent

    async def _send_one(self, row_id: int, now: datetime | None) -> bool:
        task = asyncio.current_task()
        assert task is not None
        self._sending.add(task)
        try:
            return await self._send_guarded(row_id, now)
        finally:
            self._sending.discard(task)

    async def _send_guarded(self, row_id: int, now: datetime | None) -> bool:
        async with self._gate:
            async with self.db.session() as session:
                row = await session.get(outbox.Outbox, row_id)
                if row is None or not await outbox.claim(session, row, now, self.lease):
                    return False
                await session.commit()
            async with self.turn(row) if self.turn else contextlib.nullcontext():
                return await self._compose_and_send(row)

    async def _compose_and_send(self, row: outbox.Outbox) -> bool:
        """Compose a claimed row, send it, and record the outcome; True if it went out."""
        sender = self.senders[row.platform]
        hint = getattr(sender, "recipient_locale", None)
        error = None
        async with self.db.session() as session:
            try:
                replies = await compose(session, row, await hint(row.workspace, row.channel) if hint else None)
            except Exception as exc:  # a composing bug must not make the row come back forever
                log.exception("composing outbox row %s (%s) failed", row.id, row.key)
                replies, error = [], f"compose failed: {exc!r}"
        try:
            if replies:
                await sender.send(row.workspace, row.channel, replies)
        except Unreachable as exc:
            error = f"unreachable: {exc}"
            await self._mark_unreachable(row.platform, row.workspace, row.channel)
        except TemporaryFailure as exc:
            async with self.db.session() as session:
                if row.attempts < MAX_ATTEMPTS:
                    retry_at = utcnow() + timedelta(seconds=30 * 2 ** row.attempts)
                    await outbox.release(session, row.id, str(exc), retry_at)  # type: ignore[arg-type]
                else:
                    await outbox.mark_sent(session, row.id, f"gave up: {exc}")  # type: ignore[arg-type]
                await session.commit()
            metrics.SENDS.labels(row.platform, "retry").inc()
            return False
        except Exception as exc:  # a bug or a rejected payload: record it, never loop on it
            log.exception("sending outbox row %s (%s) failed", row.id, row.key)
            error = f"failed: {exc!r}"
        async with self.db.session() as session:
            await outbox.mark_sent(session, row.id, error)  # type: ignore[arg-type]
            await session.commit()
        metrics.SENDS.labels(row.platform, "sent" if error is None else error.split(":")[0]).inc()
        return error is None

    async def _mark_unreachable(self, platform: str, workspace: str, channel: str) -> None:
        async with self.db.session() as session:
            await mark_unreachable(session, platform, workspace, channel)
            await session.commit()
