"""The outbox: one row per key, one claim per row, and no starvation by platforms nobody sends for."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.delivery import Delivery
from bot.dispatch import BotCore
from bot.events import Choice, Reply, replies_to_json
from bot.sent_marks import SentMarks
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



async def _claimed_replies(db, count: int) -> list[str]:
    """Replies written with their turn, claimed by the process that sends them at once."""
    keys = [f"reply:telegram:{n}" for n in range(count)]
    async with db.session() as s:
        for key in keys:
            await outbox.enqueue(s, key, platform="telegram", workspace="w", channel="1", kind="reply", claimed=True)
        await s.commit()
    return keys


class Recorder:
    """A Telegram sender that keeps the texts it was given (an edit shows as ``edit <message>: <text>``)."""

    platform = "telegram"

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    async def send(self, workspace: str, channel: str, replies) -> None:  # type: ignore[no-untyped-def]
        self.sent.extend(f"edit {r.replaces}: {r.text}" if r.replaces else r.text for r in replies)


async def _left_to_send(db) -> set[str]:
    """What a restarted bot would send again (every claim counted as lapsed)."""
    async with db.session() as s:
        return {row.key for row in await outbox.due(s, lease=timedelta(microseconds=1))}


async def test_replies_sent_together_are_marked_in_few_transactions_and_none_is_sent_again(db, monkeypatch) -> None:
    keys = await _claimed_replies(db, 30)
    transactions = 0
    real = outbox.mark_sent_keys

    async def counted(session, marked) -> None:
        nonlocal transactions
        transactions += 1
        await real(session, marked)

    monkeypatch.setattr(outbox, "mark_sent_keys", counted)
    marks = SentMarks(db)
    await asyncio.gather(*(marks.mark([key]) for key in keys))
    assert transactions <= 2
    assert await _left_to_send(db) == set()


async def test_a_failed_mark_reaches_each_waiting_sender_and_the_next_mark_works(db, monkeypatch) -> None:
    keys = await _claimed_replies(db, 3)
    real = outbox.mark_sent_keys

    async def database_away(session, marked) -> None:
        monkeypatch.setattr(outbox, "mark_sent_keys", real)  # back for the next transaction
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(outbox, "mark_sent_keys", database_away)
    marks = SentMarks(db)
    results = await asyncio.gather(*(marks.mark([key]) for key in keys[:2]), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    await marks.mark([keys[2]])
    assert await _left_to_send(db) == set(keys[:2])  # sent again after a restart rather than lost


async def test_a_reply_sent_again_after_a_crash_waits_for_its_persons_turn(db) -> None:
    """Sent again while that person's next tap is being applied, an old question could land over the new one."""
    core = BotCore(db)
    async with db.session() as s:
        for user in ("7", "8"):
            await outbox.enqueue(s, f"reply:telegram:{user}", platform="telegram", workspace="w", channel=user,
                                 kind="reply", claimed=True,
                                 params={"replies": replies_to_json([Reply(text=f"Statement 2 for {user}")]), "user": user})
        await s.commit()
    sent: list[str] = []
    delivery = Delivery(db, [Recorder(sent)], lease=timedelta(microseconds=1), turn=core.resend_turn)
    async with core.person_turn("telegram", "w", "7"):  # person 7's next tap is being applied
        flushing = asyncio.create_task(delivery.flush())
        deadline = asyncio.get_running_loop().time() + 10
        while sent != ["Statement 2 for 8"]:  # the other person's reply is not held up
            assert asyncio.get_running_loop().time() < deadline, sent
            await asyncio.sleep(0.01)
        assert not flushing.done()
    assert await flushing == 2
    assert sent == ["Statement 2 for 8", "Statement 2 for 7"]
    assert await _left_to_send(db) == set()


async def test_a_reply_sent_again_after_a_crash_does_not_undo_a_later_one(db) -> None:
    """The consent reply edited the tapped message into "Choose a language"; the person then chose one, and that
    reply edited the same message into the first statement. Sent again, the first would put the old text back."""
    def reply(text: str) -> dict:
        return {"replies": replies_to_json([Reply(text=text, choices=(Choice("nb", "Norsk"),))]), "user": "7",
                "replaces": "1148", "pressed": "Yes"}

    async with db.session() as s:
        await outbox.enqueue(s, "reply:tg:1", platform="telegram", workspace="w", channel="7", kind="reply",
                             claimed=True, params=reply("Choose a language"))
        await outbox.enqueue(s, "reply:tg:2", platform="telegram", workspace="w", channel="7", kind="reply",
                             claimed=True, params=reply("Statement 1"))
        await outbox.mark_sent_keys(s, ["reply:tg:2"])  # sent by the restarted bot as it applied the tap
        # another chat's reply, and the same update's private part, sent again as decided
        await outbox.enqueue(s, "reply:tg:3", platform="telegram", workspace="w", channel="8", kind="reply",
                             claimed=True, params={**reply("Choose a language"), "user": "8"})
        await outbox.enqueue(s, "reply:tg:3:person", platform="telegram", workspace="w", channel="8", kind="reply",
                             claimed=True, params={"replies": replies_to_json([Reply(text="Only for you")]), "user": "8"})
        await s.commit()
    sent: list[str] = []
    await Delivery(db, [Recorder(sent)], lease=timedelta(microseconds=1)).flush()
    assert sorted(sent) == ["Only for you", "edit 1148: ✓ Yes\n\nChoose a language"]
    assert await _left_to_send(db) == set()
