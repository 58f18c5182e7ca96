"""What the ``samson`` commands share: one committed session per command, and the language option."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from core.i18n import LANGUAGES, normalise_language
from storage.db import Database
from storage.partnerships import NotFound

T = TypeVar("T")
LANGUAGE_LIST = ", ".join(LANGUAGES)
"""Every language the bot speaks (``core/locales/languages.yaml``), for help texts and errors."""
LangOption = Annotated[str, typer.Option(help=f"Language: {LANGUAGE_LIST} (a code or the language's name).")]


def run_or_explain(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main``; a database, file or network problem is one clear line, not a traceback."""
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except (NotFound, ValueError) as exc:
        reason = infrastructure_error(exc) or str(exc)
    except Exception as exc:
        found = infrastructure_error(exc)
        if found is None:
            raise
        reason = found
    typer.secho(f"Error: {reason}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def infrastructure_error(exc: BaseException) -> str | None:
    """A one-line explanation when ``exc`` is about the database URL, the database, a file or the network."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, InterfaceError, OperationalError

    from storage.db import describe_url

    url = describe_url(Settings().database_url)
    if isinstance(exc, ArgumentError) or (isinstance(exc, ValueError) and "database" in str(exc)):
        return f"DATABASE_URL is not usable ({exc}); write e.g. sqlite:///samson.db or postgresql://user@host/db"
    if isinstance(exc, IntegrityError):
        return f"that would duplicate something already stored, so nothing was changed ({_first_line(exc.orig)})"
    if isinstance(exc, OperationalError | InterfaceError | DBAPIError):
        return f"cannot use the database at {url}: {_first_line(exc.orig)}"
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError | NotADirectoryError) and exc.filename:
        return f"cannot write or read {exc.filename}: {exc.strerror}"
    if isinstance(exc, ConnectionError | OSError | TimeoutError):
        return f"cannot reach the database at {url} or a platform API: {exc}"
    name = type(exc).__module__
    if name.startswith(("asyncpg", "telegram.error", "slack_sdk.errors")):
        return f"{type(exc).__name__}: {exc}"
    return None


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or [""])[0]


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one committed session on a migrated database; errors exit cleanly."""

    async def main() -> T:
        db = Database(Settings().database_url)
        try:
            await db.migrate()
            async with db.session() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.close()

    return run_or_explain(main)


def write_file(path: Path, data: bytes) -> None:
    """Write an output file, making its folder; a path that cannot be written is one clear line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        typer.secho(f"Error: cannot write {path}: {exc.strerror or exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


def language_or_exit(lang: str) -> str:
    """The language code for ``--lang``, or a clear error."""
    language = normalise_language(lang)
    if language is None:
        typer.secho(f"Error: unknown language '{lang}': --lang must be one of {LANGUAGE_LIST}", fg=typer.colors.RED,
                    err=True)
        raise typer.Exit(1)
    return language
