"""What the ``samson`` commands share: one committed session per command, and the language option."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from core.i18n import normalise_language
from storage.db import Database
from storage.partnerships import NotFound

T = TypeVar("T")
LangOption = Annotated[str, typer.Option(help="nb, sv or en.")]


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

    try:
        return asyncio.run(main())
    except (NotFound, ValueError) as exc:
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


def language_or_exit(lang: str) -> str:
    """The language code for ``--lang``, or a clear error."""
    language = normalise_language(lang)
    if language is None:
        typer.secho("Error: --lang must be nb, sv or en", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    return language
