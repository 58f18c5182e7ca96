"""The ``samson`` command line: run the bot, and the coordinators' tools."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli_assist import assist, paper
from bot.cli_console import console
from bot.cli_report import report
from bot.cli_support import LANGUAGE_LIST, LangOption, language_or_exit, run_or_explain, write_file
from bot.cli_support import run_in_session as _run
from bot.cli_survey import export, survey_app
from bot.config import Settings
from core.instrument import InstrumentError, bundled_files, load_instrument_file
from core.languages import UNREVIEWED
from storage.db import Database
from storage.models import OrgKind, Role

app = typer.Typer(help="SAMSON co-creation companion bot.", no_args_is_help=True, add_completion=False)
partnership_app = typer.Typer(help="Create and list partnerships.", no_args_is_help=True)
org_app = typer.Typer(help="Manage a partnership's organisations.", no_args_is_help=True)
invite_app = typer.Typer(help="Create invite codes.", no_args_is_help=True)
round_app = typer.Typer(help="Open, close and follow rounds.", no_args_is_help=True)
instruments_app = typer.Typer(help="Check instrument files.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(partnership_app, name="partnership")
app.add_typer(org_app, name="org")
app.add_typer(invite_app, name="invite")
app.add_typer(round_app, name="round")
app.add_typer(instruments_app, name="instruments")
app.add_typer(db_app, name="db")
app.add_typer(survey_app, name="survey")
app.command()(export)
app.command()(report)
app.command()(assist)
app.command()(paper)

PartnershipArg = Annotated[str, typer.Argument(help="Partnership slug or id.")]
ChartsDir = Annotated[Path, typer.Option(help="Where the console saves charts and /export files (a folder per user).")]
PARTNERSHIP_LANG = f"Language of its channel and group messages (every language the bot speaks), a code: {LANGUAGE_LIST}."


@app.command()
def run(
    user: Annotated[str | None, typer.Option(help="Console user id (default: your login name).")] = None,
    invite: Annotated[str | None, typer.Option(help="Invite code to join with on first use.")] = None,
    charts_dir: ChartsDir = Path("charts"),
    role: Annotated[str, typer.Option(
        help="all (one process does everything), web (takes updates and sends), worker (only sends), "
             "or scheduler (only decides what is due; run exactly one).")] = "all",
) -> None:
    """Run the bot. With no platform token set, a local chat opens in this terminal (on an empty database, with the
    demo partnership added to it)."""
    from bot.logs import configure
    from bot.runtime import Role

    settings = Settings()
    if role not in Role.__members__.values():
        typer.secho(f"Error: --role must be one of {', '.join(Role)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if settings.has_platform:
        from bot.runtime import Runtime

        configure(settings.samson_log_level, settings.samson_log_format)
        run_or_explain(lambda: Runtime(settings, role=Role(role)).serve_forever())
        return
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run_or_explain(lambda: console(settings, user, invite, charts_dir, demo=False))


@app.command()
def demo(
    user: Annotated[str | None, typer.Option(help="Console user id.")] = None,
    invite: Annotated[str | None, typer.Option(help="Demo invite code to join with.")] = None,
    charts_dir: ChartsDir = Path("charts"),
) -> None:
    """Open the local chat with the demo partnership, adding it to the database if it is not there yet."""
    run_or_explain(lambda: console(Settings(), user, invite, charts_dir, demo=True))


@partnership_app.command("create")
def partnership_create(
    name: str,
    k: Annotated[int, typer.Option(min=1, help="Anonymity threshold: aggregates need at least k respondents.")] = 3,
    timezone: Annotated[str, typer.Option("--tz", help="IANA time zone.")] = "Europe/Oslo",
    lang: Annotated[str, typer.Option("--lang", help=PARTNERSHIP_LANG)] = "nb",
) -> None:
    """Create a partnership."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from core.i18n import LANGUAGES
    from storage.models import Partnership
    from storage.partnerships import create_partnership, list_partnerships

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        typer.secho(f"Error: unknown time zone '{timezone}' (e.g. Europe/Oslo)", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    if lang not in LANGUAGES:
        typer.secho(f"Error: unknown language '{lang}': use one of {', '.join(LANGUAGES)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    async def work(s: AsyncSession) -> Partnership:
        same = [p for p in await list_partnerships(s) if p.name.casefold() == name.strip().casefold()]
        if same:
            raise ValueError(f"a partnership named '{same[0].name}' already exists (slug: {same[0].slug}); "
                             f"use it, or pick another name")
        return await create_partnership(s, name.strip(), k=k, timezone=timezone, lang=lang)

    p = _run(work)
    typer.echo(f"Created partnership '{p.name}' (slug: {p.slug}, id: {p.id}, k={p.k_threshold}, language: {p.lang}).")
    if p.k_threshold < 3:
        typer.secho(f"Warning: with k={p.k_threshold}, a group result can show what {p.k_threshold} person"
                    f"{'' if p.k_threshold == 1 else 's'} answered; 3 or more keeps answers anonymous.",
                    fg=typer.colors.YELLOW, err=True)


@partnership_app.command("list")
def partnership_list() -> None:
    """List partnerships."""
    from storage.partnerships import list_partnerships

    rows = _run(list_partnerships)
    if not rows:
        typer.echo("No partnerships yet. Create one with: samson partnership create NAME")
    for p in rows:
        typer.echo(f"{p.id}\t{p.slug}\t{p.name}\tk={p.k_threshold}\t{p.timezone}")


@partnership_app.command("set")
def partnership_set(
    partnership: PartnershipArg,
    frequency: Annotated[str | None, typer.Option(help="Agreed contact frequency: weekly, monthly or quarterly.")] = None,
    checkin_day: Annotated[str | None, typer.Option(help="first-weekday or a day of the month 1–28.")] = None,
    checkin_time: Annotated[str | None, typer.Option(help="Local time the check-in opens, HH:MM.")] = None,
    window: Annotated[int | None, typer.Option(min=1, max=28, help="Days a check-in stays open.")] = None,
    summary_day: Annotated[str | None, typer.Option(help="Weekday of the coordinator summary: mon … sun.")] = None,
    summary_time: Annotated[str | None, typer.Option(help="Local time of the summary, HH:MM.")] = None,
    quiet: Annotated[str | None, typer.Option(help="Quiet hours, e.g. 20:00-08:00, or off.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=PARTNERSHIP_LANG)] = None,
    timezone: Annotated[str | None, typer.Option("--tz", help="IANA time zone, e.g. Europe/Oslo.")] = None,
) -> None:
    """Set a partnership's rhythm: contact frequency, check-ins, summaries, quiet hours, time zone."""
    from bot.handlers.settings import apply_setting, check_checkin_outside_quiet, schedule_now
    from core.schedule import ScheduleError
    from storage.contacts import reset_clocks
    from storage.partnerships import get_partnership

    changes: list[tuple[str, list[str | None]]] = [("frequency", [frequency]), ("checkin", [checkin_day] if checkin_day else []),
               ("window", [str(window)] if window else []), ("summary", [summary_day] if summary_day else []),
               ("quiet", [quiet]), ("timezone", [timezone]), ("language", [lang])]

    async def work(s: AsyncSession) -> str:
        p = await get_partnership(s, partnership)
        reset = False
        try:
            for name, values in changes:  # checked together at the end: a new check-in time with new quiet hours
                if values and values[0] is not None:
                    reset = apply_setting(p, name, values, cross_check=False) or reset
            if checkin_time:
                apply_setting(p, "checkin", [p.checkin_day, checkin_time], cross_check=False)
            if summary_time:
                apply_setting(p, "summary", [p.summary_day, summary_time])
            check_checkin_outside_quiet(p)
        except ScheduleError as exc:
            raise ValueError(str(exc)) from None
        s.add(p)
        if reset:
            await reset_clocks(s, p)
        return await schedule_now(s, p)

    typer.echo(_run(work))


@app.command()
def schedule(partnership: Annotated[str | None, typer.Argument(help="Partnership slug or id; default: all.")] = None) -> None:
    """The upcoming schedule: next check-in, summary, and the rhythm of each partnership."""
    from bot.handlers.settings import schedule_now
    from storage.partnerships import get_partnership, list_partnerships

    async def work(s: AsyncSession) -> list[str]:
        rows = [await get_partnership(s, partnership)] if partnership else await list_partnerships(s)
        return [await schedule_now(s, p) for p in rows]

    texts = _run(work)
    typer.echo("\n\n".join(texts) if texts else "No partnerships yet.")


@app.command()
def due(
    at: Annotated[str, typer.Option(
        help="The moment, e.g. 2027-02-01T10:00 (local time of this machine unless a zone is given).")],
    show: Annotated[bool, typer.Option(help="Also print each message as its recipient would read it.")] = False,
) -> None:
    """List what would be sent at a moment, without sending or changing anything."""
    from datetime import UTC, datetime

    from sqlmodel import select

    from bot.outgoing import compose
    from bot.scheduler import run_tick
    from storage.models import Outbox, as_of

    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        typer.secho(f"Error: '{at}' is not a date and time; use e.g. 2027-02-01T10:00", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.astimezone().astimezone(UTC)

    texts: dict[str, str] = {}

    async def read(session: AsyncSession, planned: list) -> None:  # composed before the dry run is rolled back
        for item in planned:
            row = (await session.exec(select(Outbox).where(Outbox.key == item.key))).first()
            if row is not None:
                with as_of(max(moment, item.not_before)):  # as it would read when sent ("3 days ago" then)
                    replies = await compose(session, row)
                texts[item.key] = "\n".join(r.text for r in replies) or "(nothing to say any more)"

    async def main() -> list:
        db = Database(Settings().database_url)
        try:
            await db.migrate()
            return await run_tick(db, moment, dry_run=True, look=read if show else None)
        finally:
            await db.close()

    planned = run_or_explain(main)
    typer.echo(f"At {moment:%Y-%m-%d %H:%M} UTC: {len(planned)} message(s) would be decided.")
    for item in planned:
        later = f"  (held until {item.not_before:%Y-%m-%d %H:%M} UTC)" if item.not_before > moment else ""
        typer.echo(f"{item.kind:<16} {item.platform}:{item.channel:<14} {item.key}{later}")
        if item.key in texts:
            typer.echo("    " + texts[item.key].replace("\n", "\n    "))


@org_app.command("add")
def org_add(
    partnership: PartnershipArg,
    name: str,
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(OrgKind.__members__)}.")] = "other",
) -> None:
    """Add an organisation to a partnership."""
    from storage.partnerships import add_organisation, get_partnership

    async def work(s: AsyncSession):
        return await add_organisation(s, await get_partnership(s, partnership), name, kind)

    org = _run(work)
    typer.echo(f"Added '{org.name}' ({org.kind}, id {org.id}).")


@org_app.command("list")
def org_list(partnership: PartnershipArg) -> None:
    """List a partnership's organisations."""
    from storage.partnerships import get_partnership, list_organisations

    async def work(s: AsyncSession):
        return await list_organisations(s, await get_partnership(s, partnership))

    for org in _run(work):
        typer.echo(f"{org.id}\t{org.kind}\t{org.name}")


@invite_app.command("create")
def invite_create(
    partnership: PartnershipArg,
    org: Annotated[str | None, typer.Option(help="Organisation name or id (partners and residents).")] = None,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(Role.__members__)}.")] = "partner",
    uses: Annotated[int | None, typer.Option(
        min=1, help="How many people may use the code (default: any number; a coordinator code: one).")] = None,
    telegram_bot: Annotated[str | None, typer.Option(
        help="Telegram bot username for a t.me deep link (default: asked from Telegram when TELEGRAM_BOT_TOKEN is set).")] = None,
    qr: Annotated[Path | None, typer.Option(
        help="Write the deep link as a QR code PNG here, for posters (needs --telegram-bot or TELEGRAM_BOT_TOKEN).")] = None,
) -> None:
    """Create an invite code; people join with /start CODE (or a Telegram deep link)."""
    from storage.partnerships import create_invite, get_organisation, get_partnership

    # --qr needs the bot's username: settle that first, so a failure creates nothing.
    username = telegram_bot or (_telegram_username() if (qr or Settings().telegram_bot_token) else None)
    if qr and not username:
        typer.secho("Error: --qr needs the bot's Telegram username: pass --telegram-bot NAME or set TELEGRAM_BOT_TOKEN. "
                    "No invite code was created.", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    if qr and not qr.parent.is_dir():
        typer.secho(f"Error: cannot write {qr}: the folder {qr.parent} does not exist. No invite code was created.",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1)

    async def work(s: AsyncSession):
        p = await get_partnership(s, partnership)
        organisation = await get_organisation(s, p, org) if org else None
        if role not in Role.__members__:
            raise ValueError(f"unknown role '{role}': use one of {', '.join(Role.__members__)}")
        if organisation is None and role != "coordinator":
            raise ValueError("partners and residents need --org (see: samson org list PARTNERSHIP)")
        limit = 1 if uses is None and role == "coordinator" else uses  # a forwarded coordinator code makes no one else one
        return await create_invite(s, p, organisation=organisation, role=role, max_uses=limit)

    invite = _run(work)
    reach = "any number of people" if invite.max_uses is None else (
        "one person" if invite.max_uses == 1 else f"{invite.max_uses} people")
    typer.echo(f"Invite code: {invite.code}  (role: {invite.role}; for {reach}; join with /start {invite.code})")
    if username:
        link = f"https://t.me/{username.lstrip('@')}?start={invite.code}"
        typer.echo(f"Telegram link: {link}")
        if qr:
            from core.qr import qr_png

            qr.write_bytes(qr_png(link))
            typer.echo(f"QR code written to {qr}")


def _telegram_username() -> str | None:
    """The bot's username from Telegram (getMe), if a token is configured."""
    settings = Settings()
    if not settings.telegram_bot_token:
        return None
    from telegram import Bot

    async def ask() -> str | None:
        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_url) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except Exception as exc:  # network or token trouble: the code still works without a link
        typer.secho(f"Could not ask Telegram for the bot's name ({exc}); use --telegram-bot.", err=True)
        return None


@round_app.command("open")
def round_open(
    partnership: PartnershipArg,
    instrument: Annotated[str, typer.Option(help="Instrument id.")] = "samson",
    title: Annotated[str | None, typer.Option(help="A title people will see.")] = None,
    audience: Annotated[str, typer.Option(help="partners, residents or all.")] = "all",
) -> None:
    """Open a round of an instrument; members get an invitation from the running bot."""
    from bot import round_lifecycle
    from storage.partnerships import get_partnership

    if audience not in ("partners", "residents", "all"):
        typer.secho("Error: --audience must be partners, residents or all", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)

    async def work(s: AsyncSession):
        return await round_lifecycle.open_(s, await get_partnership(s, partnership), instrument, title=title,
                                           audience=audience)

    r, invited = _run(work)
    typer.echo(f"Opened round {r.number} '{r.title}' (id {r.id}, {r.instrument_id} v{r.instrument_version}). "
               f"{invited} {'member' if invited == 1 else 'members'} will get an invitation from the running bot.")


RoundRef = Annotated[str | None, typer.Argument(
    help="Round id, #N for SAMSON round N, or survey / residents for that instrument's newest round; default: the "
         "latest SAMSON round.")]


@round_app.command("close")
def round_close(partnership: PartnershipArg, round_ref: RoundRef = None) -> None:
    """Close a round and publish its group result (the chart goes to the bound channels)."""
    from bot import round_lifecycle
    from storage.partnerships import get_partnership
    from storage.rounds import get_round

    async def work(s: AsyncSession):
        p = await get_partnership(s, partnership)
        return await round_lifecycle.close(s, p, await get_round(s, p, round_ref))

    closed = _run(work)
    typer.echo(f"Closed round {closed.round.number} '{closed.round.title}' (id {closed.round.id}, {closed.completed} completed); "
               f"result published; {closed.messages} message(s) will go out from the running bot.")


@round_app.command("publish")
def round_publish(partnership: PartnershipArg, round_ref: RoundRef = None) -> None:
    """Publish an interim group result of an open round, if the anonymity rules allow it."""
    from bot import round_lifecycle
    from storage.partnerships import get_partnership
    from storage.rounds import get_round

    async def work(s: AsyncSession):
        p = await get_partnership(s, partnership)
        r = await get_round(s, p, round_ref)
        if r.status != "open":
            raise ValueError(f"round '{r.title}' is closed; its result was published when it closed")
        return p, r, await round_lifecycle.publish_interim(s, p, r)

    p, r, (publication, messages) = _run(work)
    if publication is None:
        typer.echo(f"Nothing published: every figure of '{r.title}' would show fewer than {p.k_threshold} people "
                   f"or could be subtracted from an earlier result. Try again when more have answered.")
        raise typer.Exit(1)
    typer.echo(f"Published an interim result of '{r.title}' over {publication.respondents} responses; "
               f"{messages} channel message(s) will go out from the running bot.")


@round_app.command("status")
def round_status(
    partnership: PartnershipArg,
    round_ref: Annotated[str | None, typer.Argument(
        help="Round id, or #N for SAMSON round N; default: every open round (a check-in too), else the newest "
             "round.")] = None,
) -> None:
    """Who has responded, by organisation (never what they answered); a residents' round opened with it too."""
    from bot.cli_rounds import current_round, status_lines
    from storage.partnerships import get_partnership
    from storage.rounds import get_round, open_rounds

    async def work(s: AsyncSession) -> list[str]:
        p = await get_partnership(s, partnership)
        if round_ref:
            return await status_lines(s, await get_round(s, p, round_ref))
        current = [r for r in await open_rounds(s, p.id) if r.parent_round_id is None]  # type: ignore[arg-type]
        lines: list[str] = []
        for r in current or [await current_round(s, p)]:  # as in chat: every open round; none open: the newest
            lines += [*([""] if lines else []), *await status_lines(s, r)]
        return lines

    typer.echo("\n".join(_run(work)))


@app.command()
def results(
    partnership: PartnershipArg,
    lang: LangOption = "nb",
    instrument: Annotated[str, typer.Option(
        help="samson (the newest SAMSON result, a round for residents alone included), survey for the partner "
             "survey, residents, or checkin (the newest check-in's digest, as text).")] = "samson",
    out: Annotated[Path | None, typer.Option(
        help="Where to write the chart PNG (default: its own name, e.g. samson-group.png). A further chart goes beside "
             "it, named after it: with --out x.png, the residents' chart is x-residents.png, the survey's barriers "
             "x-barriers.png.")] = None,
    compare: Annotated[str | None, typer.Option(help="Round to overlay (id or #N); default: the round before.")] = None,
) -> None:
    """The latest published group result (published when a round closes, or by `round publish`)."""
    from bot import publishing
    from core.i18n import t
    from storage.partnerships import get_partnership
    from storage.rounds import get_round

    language = language_or_exit(lang)

    async def work(s: AsyncSession):
        p = await get_partnership(s, partnership)
        if instrument == "checkin":  # a check-in has no chart: its digest
            from bot.summaries import latest_digest

            return await latest_digest(s, p, language) or None
        if instrument == "samson":  # the partners' round, or a round for the residents alone if that is newer
            published = await publishing.latest_scorecard(s, p)
        else:
            published = await publishing.standing(s, p, instrument)
        if published is not None and compare:
            published = await publishing.compared_with(s, published, await get_round(s, p, compare))
        return None if published is None else await publishing.result_replies(p, published, language)

    replies = _run(work)
    if replies is None:
        typer.echo(t(language, "group.unpublished"))
        raise typer.Exit(0)
    first = True
    for reply in replies:
        if reply.image:
            name = reply.image_name or "chart.png"
            path = Path(name) if out is None else out if first else chart_beside(out, name)
            first = False
            write_file(path, reply.image)
            typer.echo(f"Chart: {path}")
        typer.echo(reply.text)


def chart_beside(out: Path, image_name: str) -> Path:
    """Where a further chart goes: ``x.png`` and ``samson-residents.png`` give ``x-residents.png``."""
    kind = Path(image_name).stem.rpartition("-")[2]
    return out.with_name(f"{out.stem}-{kind}{out.suffix or '.png'}")


@instruments_app.command("check")
def instruments_check(files: Annotated[list[Path] | None, typer.Argument(help="Files; default: bundled.")] = None) -> None:
    """Validate instrument files."""
    paths = files or bundled_files()
    failed = False
    for path in paths:
        try:
            instrument = load_instrument_file(path)
            typer.echo(f"ok  {path.parent.name}/{path.name}: {instrument.id} v{instrument.version}, "
                       f"{len(instrument.all_items)} items, languages {', '.join(instrument.answerable_in)}")
            labels_only = [lang for lang in instrument.title.languages if lang not in instrument.answerable_in]
            if labels_only:
                typer.echo(f"    titles and labels only (for results): {', '.join(labels_only)}")
            unreviewed = [lang for lang in instrument.title.languages if lang in UNREVIEWED]
            if unreviewed:
                typer.echo(f"    not yet reviewed by a native speaker: {', '.join(unreviewed)}")
        except (InstrumentError, OSError) as exc:
            failed = True
            typer.secho(f"bad {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1 if failed else 0)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done automatically on start)."""

    async def main() -> None:
        db = Database(Settings().database_url)
        await db.migrate()
        await db.close()

    run_or_explain(main)
    typer.echo("Database is up to date.")


if __name__ == "__main__":
    app()
