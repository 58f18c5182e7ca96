"""SQLAlchemy's aiosqlite adapter, with one trip to aiosqlite's thread per statement.

The stock adapter opens a cursor, executes, fetches and closes it in four trips to the
thread that owns the SQLite connection; each trip costs about 45 µs of CPU. Here one
function does all four in that thread and brings back the rows and the cursor's
figures. Everything else (connections, transactions, errors) is the stock adapter.
Passed to ``create_async_engine(module=…)``.
"""

from __future__ import annotations

import collections
import sqlite3
from dataclasses import dataclass
from threading import Thread
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


@dataclass(frozen=True, slots=True)
class _Figures:
    """What SQLAlchemy reads from a cursor after it ran."""

    description: Any
    rowcount: int
    lastrowid: int | None

    def close(self) -> None:
        """Already closed in the connection's thread."""


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[_Figures, list]:
    """In the connection's thread: execute, fetch and close in one go."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Figures(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement, rows and close take one trip to the connection's thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: Any) -> None:  # no cursor opened here
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Figures(None, -1, None)  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            figures, rows = await connection._execute(_run, connection._conn, operation, parameters, many)
        self._cursor = figures  # type: ignore[assignment]
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        """Run one statement; its rows wait here for ``fetch…``."""
        try:
            await_(self._trip(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        """Run one statement for each set of parameters."""
        try:
            await_(self._trip(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _async_soft_close(self) -> None:
        """Nothing is left open."""

    def close(self) -> None:
        """Drop unread rows; the SQLite cursor was closed in its thread."""
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """The stock adapted connection, handing out one-trip cursors."""

    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The stock aiosqlite DBAPI adapter, making one-trip connections."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        """Open a connection (its thread a daemon, as the stock adapter does)."""
        connection = self.aiosqlite.connect(*arg, **kw)
        thread = connection if isinstance(connection, Thread) else connection._thread
        thread.daemon = True
        return OneTripConnection(self, await_(connection))
