"""Async engine, sessions and automatic migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Table, event, text
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def describe_url(url: str) -> str:
    """A database URL for messages: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - the URL itself may be what is wrong
        return "(unreadable DATABASE_URL)"


def async_url(url: str) -> str:
    """Turn a URL as people write it into one with an async driver.

    ``sqlite:///samson.db`` → ``sqlite+aiosqlite:///samson.db``;
    ``postgresql://…`` or ``postgres://…`` → ``postgresql+asyncpg://…``.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
        query = dict(parsed.query)
        if "sslmode" in query:  # libpq's name; asyncpg calls it ssl and takes the same values
            query["ssl"] = query.pop("sslmode")
            parsed = parsed.set(query=query)
    else:
        raise ValueError(f"unsupported database '{backend}': use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


def aggregate_time(value: object) -> datetime | None:
    """A ``min()``/``max()`` of a time column as an aware datetime (SQLite returns aggregates as naive text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _dialect_name(session: AsyncSession) -> str:
    return session.bind.dialect.name  # type: ignore[union-attr]


def _dialect_insert(dialect: str):  # type: ignore[no-untyped-def]
    """The dialect's ``insert`` (with ``on_conflict_do_nothing``); only the dialect in use is imported."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert


@cache
def _conflict_insert(dialect: str, table: Table, conflict_on: tuple[str, ...], update: tuple[str, ...] = ()) -> Executable:
    """``INSERT … ON CONFLICT`` built once per table; the values come with each execution.

    A statement built once keeps its cache key, so each execution skips building and
    compiling it (the answer path runs several per tap).
    """
    statement = _dialect_insert(dialect)(table)
    if update:
        return statement.on_conflict_do_update(index_elements=list(conflict_on),
                                               set_={name: statement.excluded[name] for name in update})
    return statement.on_conflict_do_nothing(index_elements=list(conflict_on))


async def execute(session: AsyncSession, statement: Executable, params: dict | list[dict] | None = None) -> CursorResult:
    """Run a Core statement (not an ORM one) in the session's transaction: no ORM bookkeeping."""
    connection = await session.connection()
    return await connection.execute(statement, params)  # type: ignore[return-value]


async def insert_or_skip(session: AsyncSession, model: type, conflict_on: str, /, **values: object) -> bool:
    """``INSERT … ON CONFLICT (conflict_on) DO NOTHING``; True if the row was inserted.

    A concurrent transaction inserting the same key makes this one wait for it, then skip:
    the way to record "done once" across workers.
    """
    statement = _conflict_insert(_dialect_name(session), model.__table__, (conflict_on,))  # type: ignore[attr-defined]
    return bool((await execute(session, statement, values)).rowcount)


async def upsert(session: AsyncSession, model: type, conflict_on: tuple[str, ...], values: dict[str, object],
                 update: tuple[str, ...]) -> None:
    """``INSERT … ON CONFLICT (conflict_on) DO UPDATE SET`` the ``update`` columns: one statement, no ORM load."""
    await execute(session, _conflict_insert(_dialect_name(session), model.__table__, conflict_on, update), values)  # type: ignore[attr-defined]


@cache
def _conflict_insert_returning(dialect: str, table: Table, conflict_on: str) -> Executable:
    """``INSERT … ON CONFLICT (conflict_on) DO NOTHING RETURNING conflict_on``, built once per table."""
    return _conflict_insert(dialect, table, (conflict_on,)).returning(table.c[conflict_on])  # type: ignore[attr-defined]


async def insert_many_or_skip(session: AsyncSession, model: type, conflict_on: str, rows: list[dict]) -> int:
    """``INSERT … ON CONFLICT (conflict_on) DO NOTHING`` for many rows; returns how many were inserted.

    One compiled statement with a list of rows: SQLAlchemy sends them as multi-row
    ``VALUES`` pages ("insertmanyvalues"), and the keys it returns are the rows inserted.
    (A statement built with ``.values(rows)`` is compiled anew each time: about a
    second for 10,000 invitations.) Every row must have the same columns.
    """
    if not rows:
        return 0
    statement = _conflict_insert_returning(_dialect_name(session), model.__table__, conflict_on)  # type: ignore[attr-defined]
    return len((await execute(session, statement, rows)).all())


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """One engine and session factory for the bot, the CLI and the scheduler."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        sqlite = self.url.startswith("sqlite")
        # SQLite: no ping and no reset-on-return; each is a thread hop, and sessions always end their transaction.
        # SQLite: writers from other processes (the CLI, a second worker) are waited for, up to 30 s.
        options: dict = ({"pool_reset_on_return": None, "connect_args": {"timeout": 30}} if sqlite
                         else {"pool_pre_ping": True})
        if sqlite:  # one trip to aiosqlite's thread per statement, not four
            from storage.sqlite_driver import OneTripDBAPI

            options["module"] = OneTripDBAPI()
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; the caller commits. Rolled back on error."""
        async with self._sessions() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise

    async def migrate(self) -> None:
        """Apply all Alembic migrations (run on every start; a no-op when up to date).

        An up-to-date database is recognised without loading Alembic (it stays out of a running bot's memory).
        """
        if await self._at_head():
            return
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)
        if self.engine.dialect.name == "sqlite":
            await self.engine.dispose()  # fresh connections, with foreign keys checked again

    async def _at_head(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                current = (await connection.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no version table yet: a new database
            return False
        return current == head_revision()

    async def ping(self) -> None:
        """Raise if the database cannot be reached (for ``/healthz``)."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        """Dispose of the engine's connections."""
        await self.engine.dispose()


def head_revision() -> str:
    """The newest bundled migration: files are named ``NNNN_….py`` with revision ``NNNN``."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the bundled migrations, optionally bound to a connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x5A4D5301
"""Advisory lock key: workers starting together migrate one after the other (PostgreSQL)."""
SCHEDULER_LOCK = 0x5A4D5302
"""Advisory lock key: only one scheduler tick runs at a time across processes (PostgreSQL)."""


def _upgrade(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # batch migrations copy tables; SQLite must not check foreign keys meanwhile
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: a second process waits its turn
    else:  # held until this transaction ends: a second worker waits, then finds nothing to do
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def _lock_key(text: str) -> int:
    """A stable signed 64-bit advisory-lock key for a text."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


async def lock_for_transaction(session: AsyncSession, name: str) -> None:
    """Serialise transactions that take the same ``name`` across workers, until commit (PostgreSQL).

    SQLite needs none: it lets one writer in at a time.
    """
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_lock_key(name)))  # type: ignore[call-overload]


async def try_lock_for_transaction(session: AsyncSession, key: int) -> bool:
    """Take an advisory lock until commit if nobody holds it; always True on SQLite."""
    if session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        return True
    result = await session.exec(text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=key))  # type: ignore[call-overload]
    return bool(result.scalar())
