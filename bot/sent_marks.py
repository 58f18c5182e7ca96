"""Marking sent replies in the outbox, many in one transaction when many are sent at once.

Group commit: the first reply marked starts a transaction; replies sent while it runs wait
for it and go together in the next one. Nobody waits for a timer, so a quiet bot marks
each reply at once, and a busy one spends one transaction on many replies.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from storage import outbox
from storage.db import Database


class SentMarks:
    """``await marks.mark(keys)`` returns once the outbox rows with these keys are recorded as sent."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._keys: list[str] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, keys: Collection[str]) -> None:
        """Record these rows as sent (together with whatever else is being marked meanwhile)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._keys.extend(keys)
        self._waiting.append(done)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await asyncio.shield(done)  # a cancelled caller does not cancel the others' transaction

    async def _write(self) -> None:
        while self._waiting:
            keys, waiting = self._keys, self._waiting
            self._keys, self._waiting = [], []
            try:
                async with self.db.session() as session:
                    await outbox.mark_sent_keys(session, keys)
                    await session.commit()
            except Exception as exc:  # noqa: BLE001 - handed to every caller of this batch
                for future in waiting:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for future in waiting:
                if not future.done():
                    future.set_result(None)
