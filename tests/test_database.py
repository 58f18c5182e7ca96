"""The suite runs on the database it was pointed at; publications and idea sharing survive a round trip."""

from __future__ import annotations

import os

from sqlmodel import select

from bot import publishing, round_lifecycle
from storage.db import Database, execute
from storage.models import Inbox, Partnership, Publication, Round, utcnow
from tests.seeding import completed_person


async def test_backend_is_the_one_configured(db: Database) -> None:
    expected = "postgresql" if os.environ.get("SAMSON_TEST_DATABASE_URL") else "sqlite"
    assert db.engine.dialect.name == expected


async def test_publishing_twice_in_one_round_numbers_the_snapshots(db: Database, seed) -> None:
    async with db.session() as s:
        round_ = await s.get(Round, seed.round_id)
        for n in range(3):
            await completed_person(s, round_, None, f"P{n}", seed=n)
        p = await s.get(Partnership, seed.partnership_id)
        first, _ = await round_lifecycle.publish_interim(s, p, round_)
        again, _ = await round_lifecycle.publish_interim(s, p, round_)  # nothing new: refused
        closed = await round_lifecycle.close(s, p, round_)
        await s.commit()
    assert first is not None and again is None and closed.publication.number == 2
    async with db.session() as s:
        numbers = [pub.number for pub in (await s.exec(select(Publication).order_by(Publication.number))).all()]
        published = await publishing.latest(s, await s.get(Partnership, seed.partnership_id))
    assert numbers == [1, 2] and published is not None and published.snapshot.respondents == 3


async def test_two_workers_starting_together_migrate_once(db_url: str) -> None:
    import asyncio

    first, second = Database(db_url), Database(db_url)
    try:
        await asyncio.gather(first.migrate(), second.migrate())  # neither fails on the other's tables
        async with first.session() as s:
            assert (await s.exec(select(Partnership))).all() == []
    finally:
        await first.close()
        await second.close()


def test_the_head_found_without_alembic_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_sqlite_statements_bring_back_rows_counts_keys_and_conflicts(tmp_path) -> None:
    """The SQLite driver (one trip per statement) behaves as the stock one: ids, rows, counts, many rows, errors."""
    from sqlalchemy import insert, update
    from sqlalchemy.exc import IntegrityError

    db = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    try:
        await db.migrate()
        async with db.session() as s:
            first = Partnership(name="Bydel Øst", slug="ost")
            s.add(first)
            await s.flush()
            assert first.id is not None  # the new row's key came back
            table = Inbox.__table__  # type: ignore[attr-defined]
            await execute(s, insert(table), [dict(key=f"u{n}", platform="telegram", event="{}", received_at=utcnow(),
                                                  attempts=0) for n in range(3)])
            changed = await execute(s, update(table).where(table.c.key.in_(["u0", "u2", "gone"])).values(attempts=1))
            assert changed.rowcount == 2
            await s.commit()
        async with db.session() as s:
            rows = (await s.exec(select(Inbox.key, Inbox.attempts).order_by(Inbox.key))).all()
            assert [tuple(r) for r in rows] == [("u0", 1), ("u1", 0), ("u2", 1)]
            s.add(Partnership(name="Again", slug="ost"))
            try:
                await s.flush()
                raise AssertionError("a second 'ost' was stored")
            except IntegrityError:
                await s.rollback()
            assert [p.name for p in (await s.exec(select(Partnership))).all()] == ["Bydel Øst"]  # usable after the error
    finally:
        await db.close()
