"""Shared fixtures: a migrated database per test, the bot core and scripted console users.

Tests run on SQLite by default. With ``SAMSON_TEST_DATABASE_URL=postgresql://user@host/db``
every test gets a fresh PostgreSQL database on that server instead (created and dropped).
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.dispatch import BotCore
from core.instrument import load_instrument
from storage.db import Database
from storage.partnerships import add_organisation, create_invite, create_partnership
from storage.rounds import open_round

POSTGRES = os.environ.get("SAMSON_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def fast_telegram_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests click faster than people: Telegram pacing at 200/s (the pacing test sets its own)."""
    from bot.adapters import telegram_pacing

    monkeypatch.setattr(telegram_pacing, "DEFAULTS", {"overall_per_second": 1000, "private_burst": 200,
                                                      "private_per_second": 200, "group_per_minute": 12000})


def _on_server(statement: str) -> None:
    """Run one statement on the PostgreSQL test server (in a thread: tests may hold a running loop)."""
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    worker = threading.Thread(target=asyncio.run, args=(run(),))
    worker.start()
    worker.join()


@pytest.fixture
def db_url(tmp_path: Path):
    if not POSTGRES:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    from sqlalchemy.engine import make_url

    name = f"samson_test_{uuid.uuid4().hex[:12]}"
    _on_server(f'CREATE DATABASE "{name}"')
    yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(db_url: str):
    database = Database(db_url)
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def core(db: Database) -> BotCore:
    return BotCore(db)


@dataclass
class Seed:
    partnership_id: int
    round_id: int
    codes: dict[str, str]


@pytest.fixture
async def seed(db: Database) -> Seed:
    """A partnership (k=3) with a municipality and a social enterprise, and an open SAMSON round."""
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3)
        kommune = await add_organisation(s, p, "Øst kommune", "municipality")
        gronn = await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise")
        codes = {
            "kommune": (await create_invite(s, p, organisation=kommune, code="KOM-1")).code,
            "gronn": (await create_invite(s, p, organisation=gronn, code="GRO-1")).code,
            "coordinator": (await create_invite(s, p, role="coordinator", code="KOORD-1")).code,
        }
        r = await open_round(s, p, "samson", title="Vår")
        await s.commit()
        return Seed(p.id, r.id, codes)  # type: ignore[arg-type]


class ScriptedUser:
    """A console user driven line by line; ``out`` holds everything printed."""

    def __init__(self, core: BotCore, user: str, charts_dir: Path) -> None:
        self.stream = io.StringIO()
        self.adapter = ConsoleAdapter(core, user=user, stdin=io.StringIO(), stdout=self.stream, charts_dir=charts_dir)

    async def say(self, *lines: str) -> str:
        """Send lines; return what was printed for them."""
        start = self.stream.tell()
        for line in lines:
            await self.adapter.send(line)
        return self.stream.getvalue()[start:]

    @property
    def out(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def user(core: BotCore, tmp_path: Path):
    def make(name: str) -> ScriptedUser:
        return ScriptedUser(core, name, tmp_path / "charts" / name)
    return make


def full_answers(seed_value: int = 0) -> list[str]:
    """One answer per SAMSON item: weights then statements, varied and with a few 'can't say'."""
    instrument = load_instrument("samson")
    lines = []
    for i, item in enumerate(instrument.items):
        if item.id.startswith("w."):
            lines.append(str(5 + (i + seed_value) % 5))
        elif (i + seed_value) % 13 == 0:
            lines.append("?")
        else:
            lines.append(str(1 + (i * 3 + seed_value) % 10))
    return lines


async def join(u: ScriptedUser, code: str, lang: str = "en") -> str:
    """Join with a code, consent and pick a language; the round starts."""
    return await u.say(f"/start {code}", "yes", lang)


async def close_as_coordinator(u: ScriptedUser, seed: Seed) -> str:
    """A coordinator joins in the console and closes the open round, which publishes its result."""
    await u.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    out = await u.say("/round close")
    assert "is closed" in out, out
    return out
