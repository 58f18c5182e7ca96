"""The suite runs on the database it was pointed at; publications and idea sharing survive a round trip."""

from __future__ import annotations

import os

from sqlmodel import select

from bot import publishing, round_lifecycle
from storage.db import Database
from storage.models import Partnership, Publication, Round
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
