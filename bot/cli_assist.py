"""``samson assist`` (a coordinator enters a resident's answers with them) and ``samson paper`` (the paper form)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli_support import LangOption, language_or_exit, run_in_session


def assist(
    partnership: Annotated[str, typer.Argument(help="Partnership slug or id.")],
    invite: Annotated[str, typer.Option(help="The resident's invite code (one per resident).")],
    name: Annotated[str, typer.Option(help="How the resident is shown to coordinators (may be a first name).")] = "",
    lang: LangOption = "nb",
) -> None:
    """Answer with a resident who has no phone or computer: a chat in this terminal, in their name, marked assisted.

    Read each question aloud (or from the paper form) and type the resident's answer. The
    person is marked as assisted in the data; they count like anyone else in the results.
    """
    from bot.adapters.console import ConsoleAdapter
    from bot.config import Settings
    from bot.dispatch import BotCore
    from storage.db import Database
    from storage.partnerships import get_partnership
    from storage.people import resolve_identity

    language = language_or_exit(lang)
    user = f"assisted-{uuid.uuid4().hex[:10]}"

    async def prepare(s: AsyncSession) -> str:
        p = await get_partnership(s, partnership)
        _identity, person = await resolve_identity(s, "console", "local", user, display_name=name or user)
        person.assisted, person.lang = True, language
        s.add(person)
        return p.name

    shown = run_in_session(prepare)
    typer.echo(f"Assisted answering for {name or user} in {shown}. Read each question aloud and type the answer; "
               f"Ctrl-D or /exit ends (answers so far are kept; `samson assist` with a new code continues another).")

    async def main() -> None:
        db = Database(Settings().database_url)
        adapter = ConsoleAdapter(BotCore(db), user=user, display_name=name or user, stdin=sys.stdin, stdout=sys.stdout,
                                 charts_dir=Path("charts"), locale_hint=language, echo=not sys.stdin.isatty())
        try:
            await adapter.run([f"/start {invite}"])
        finally:
            await db.close()

    asyncio.run(main())


def paper(
    partnership: Annotated[str, typer.Argument(help="Partnership slug or id.")],
    round_ref: Annotated[str | None, typer.Option("--round", help="Round id; default: the latest SAMSON round.")] = None,
    lang: LangOption = "nb",
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")] = Path("form.pdf"),
) -> None:
    """The residents' questions of a round as a paper form (PDF), with the item ids for typing the answers in later."""
    from core.instrument import load_instrument
    from core.paper_form import render_paper_form
    from storage.partnerships import get_partnership
    from storage.rounds import companions, get_round

    language = language_or_exit(lang)

    async def work(s: AsyncSession) -> bytes:
        p = await get_partnership(s, partnership)
        round_ = await get_round(s, p, round_ref)
        found = await companions(s, round_)
        chosen = found[0] if found else round_  # the residents' own instrument when the round has one
        instrument = load_instrument(chosen.instrument_id, chosen.instrument_version)
        return await asyncio.to_thread(render_paper_form, instrument, language, p.name, round_.title)

    pdf = run_in_session(work)
    out.write_bytes(pdf)
    typer.echo(f"Paper form: {out} ({len(pdf) // 1024} KB)")
