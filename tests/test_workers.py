"""Two workers on one database: a double tap stores one answer, a duplicated update is silent."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.dispatch import BotCore
from bot.events import Event, EventKind
from storage.db import Database
from storage.models import Answer, Response
from tests.conftest import join


def tap(value: str, ref: str, key: str) -> Event:
    return Event("console", "local", "console:wen", "wen", EventKind.CHOICE, value, update_key=key, ref=ref)


async def _current_ref(db: Database) -> str:
    async with db.session() as s:
        response = (await s.exec(select(Response))).one()
    return f"{response.id}.{response.position}"


async def test_double_tap_on_two_workers_stores_one_answer(user, seed, db, db_url) -> None:
    await join(user("wen"), seed.codes["kommune"])
    other = Database(db_url)  # a second worker: its own engine and core on the same database
    try:
        ref = await _current_ref(db)
        first, second = await asyncio.gather(BotCore(db).handle(tap("7", ref, "tap-1")),
                                             BotCore(other).handle(tap("8", ref, "tap-2")))
    finally:
        await other.close()
    async with db.session() as s:
        rows = (await s.exec(select(Answer).where(Answer.item_id == "w.openness"))).all()
    assert len(rows) == 1 and rows[0].number in (7.0, 8.0)
    replies = first + second
    assert not any(r.is_error and not r.notice for r in replies)  # nobody is told "nothing was saved"
    notices = [r.text for r in replies if r.notice]
    assert len(notices) == 1 and ("already answered" in notices[0] or "earlier question" in notices[0])
    assert sum("(2 of 54)" in r.text for r in replies) == 1


async def test_same_update_on_two_workers_is_applied_once_and_silently(user, seed, db, db_url) -> None:
    await join(user("wen"), seed.codes["kommune"])
    other = Database(db_url)
    try:
        ref = await _current_ref(db)
        event = tap("6", ref, "update-42")
        first, second = await asyncio.gather(BotCore(db).handle(event), BotCore(other).handle(event))
    finally:
        await other.close()
    assert sorted([bool(first), bool(second)]) == [False, True]  # one applied it, the other said nothing
    assert not any(r.is_error for r in first + second)
    async with db.session() as s:
        assert len((await s.exec(select(Answer))).all()) == 1
