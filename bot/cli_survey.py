"""``samson survey overview`` (the survey across the deployment) and ``samson export`` (research export)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli_support import LangOption, language_or_exit, run_in_session

survey_app = typer.Typer(help="The partner survey across partnerships.", no_args_is_help=True)


@survey_app.command("overview")
def overview(
    lang: LangOption = "nb",
    k: Annotated[int | None, typer.Option(min=1, help="A stricter anonymity threshold; never below the strictest partnership's k "
                                                      "(the default).")] = None,
    charts: Annotated[Path | None, typer.Option(help="Directory to write the factor and barrier charts (PNG) to.")] = None,
) -> None:
    """Success factors and barriers by side over every partnership's newest closed survey round (k-gated)."""
    from bot.survey_overview import survey_overview
    from core.i18n import t
    from core.survey_report import barrier_chart, factor_chart, survey_summary

    language = language_or_exit(lang)
    found = run_in_session(lambda s: survey_overview(s, k))
    snap = found.snapshot
    if snap.respondents == 0:
        typer.echo(t(language, "overview.none"))
        raise typer.Exit(0)
    named = ", ".join(f"{name} ({n})" for name, n in found.named) or "—"
    typer.echo(t(language, "overview.head", named=named, unnamed=found.unnamed, k=snap.k))
    if not snap.any_shown:
        typer.echo(t(language, "group.withheld", n=snap.respondents, k=snap.k))
        raise typer.Exit(0)
    title = t(language, "overview.title")
    pictures = [factor_chart(found.instrument, snap, language, title), barrier_chart(found.instrument, snap, language, title)]
    if charts is not None:
        charts.mkdir(parents=True, exist_ok=True)
        for chart in pictures:
            (charts / chart.filename).write_bytes(chart.png)
            typer.echo(f"Chart: {charts / chart.filename}")
    for chart in pictures:
        typer.echo(chart.alt_text)
    typer.echo(survey_summary(found.instrument, snap, language))


def export(
    partnership: Annotated[str, typer.Argument(help="Partnership slug or id.")],
    round_ref: Annotated[str | None, typer.Option(
        "--round", help="Round id, #N for SAMSON round N, or survey / residents (the newest such round); "
             "default: the latest SAMSON round.")] = None,
    format: Annotated[str, typer.Option(help="Only csv for now.")] = "csv",
    out: Annotated[Path | None, typer.Option(help="Directory for the files; default: export-<partnership>-<round>.")] = None,
    microdata: Annotated[bool, typer.Option(help="Also write answers of respondents who gave research consent.")] = False,
) -> None:
    """Export a published round for research: aggregates per item and a codebook (CSV); microdata only with consent."""
    from bot.research_export import export_round, readme
    from storage.partnerships import get_partnership
    from storage.rounds import get_round

    if format != "csv":
        typer.secho(f"Error: --format {format} is not supported; use csv", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)

    async def work(s: AsyncSession):
        p = await get_partnership(s, partnership)
        r = await get_round(s, p, round_ref)
        return p, r, await export_round(s, r, with_microdata=microdata)

    p, r, result = run_in_session(work)
    folder = out or Path(f"export-{p.slug}-{r.id}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aggregates.csv").write_text(result.aggregates, encoding="utf-8")
    (folder / "codebook.csv").write_text(result.codebook, encoding="utf-8")
    typer.echo(f"Wrote {folder / 'aggregates.csv'} and {folder / 'codebook.csv'} for '{r.title}' "
               f"({r.instrument_id} v{r.instrument_version}, {result.respondents} responses).")
    if microdata:
        if result.microdata is None:
            typer.echo("No microdata: only the partner survey asks for research consent." if r.instrument_id != "survey"
                       else "No microdata: no respondent of this round gave research consent.")
        else:
            (folder / "microdata.csv").write_text(result.microdata, encoding="utf-8")
            typer.echo(f"Wrote {folder / 'microdata.csv'}: {result.consented} of {result.respondents} respondents "
                       f"gave research consent; the others are not in it.")
            if result.left_out:
                typer.echo(f"Left out of the microdata ({len(result.left_out)}): {', '.join(result.left_out)}. Fewer "
                           "than k who said no answered them, so their answers could be worked out from aggregates.csv.")
    (folder / "README.txt").write_text(readme(r, p.k_threshold, result), encoding="utf-8")
    typer.echo(f"Wrote {folder / 'README.txt'}: what each file and column means.")
