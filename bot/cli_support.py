"""What the ``samson`` commands share: one committed session per command, and the language option."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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
        typer.secho(f"Error: unknown language '{lang}': --lang must be one of {LANGUAGE_LIST}", fg=typer.colors.RED,
                    err=True)
        raise typer.Exit(1)
    return language
