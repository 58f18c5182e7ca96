"""``samson report``: a round's printable PDF report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli_support import LangOption, language_or_exit, run_in_session, write_file


def report(
    partnership: Annotated[str, typer.Argument(help="Partnership slug or id.")],
    round_ref: Annotated[str | None, typer.Option(
        "--round", help="Round id, #N for SAMSON round N, or survey / residents (the newest such round); "
             "default: the latest published SAMSON round, else the latest partner survey.")] = None,
    compare: Annotated[str | None, typer.Option(
        help="Round to overlay (id or #N); default: the round before.")] = None,
    lang: LangOption = "nb",
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")] = Path("report.pdf"),
) -> None:
    """The round's report as PDF: profile, drill-downs, changes, survey, ideas and agreed actions."""
    from bot.reports import make_report
    from storage.partnerships import get_partnership
    from storage.rounds import get_round

    language = language_or_exit(lang)

    async def work(s: AsyncSession) -> bytes:
        p = await get_partnership(s, partnership)
        chosen = await get_round(s, p, round_ref) if round_ref else None
        other = await get_round(s, p, compare) if compare else None
        pdf, _ = await make_report(s, p, language, chosen, other)
        return pdf

    pdf = run_in_session(work)
    write_file(out, pdf)
    typer.echo(f"Report: {out} ({len(pdf) // 1024} KB)")
