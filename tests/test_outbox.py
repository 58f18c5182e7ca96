"""The outbox: one row per key, one claim per row, and no starvation by platforms nobody sends for."""

from __future__ import annotations

import asyncio

from storage import outbox


async def test_keys_claims_and_platform_filter(db) -> None:
    async with db.session() as s:
        assert await outbox.enqueue(s, "k:1", platform="telegram", workspace="w", channel="1", kind="text")
        assert not await outbox.enqueue(s, "k:1", platform="telegram", workspace="w", channel="1", kind="text")
        for n in range(250):  # rows for a platform without a running adapter
            await outbox.enqueue(s, f"c:{n}", platform="console", workspace="w", channel="x", kind="text")
        await s.commit()
    async with db.session() as s:
        assert len(await outbox.due(s)) == 200
        rows = await outbox.due(s, platforms=["telegram"])
    assert [r.key for r in rows] == ["k:1"]

    async def take() -> bool:
        async with db.session() as s:
            won = await outbox.claim(s, rows[0])
            await s.commit()
            return won

    assert sorted(await asyncio.gather(take(), take(), take())) == [False, False, True]
    async with db.session() as s:
        assert await outbox.due(s, platforms=["telegram"]) == []
