"""/set and /schedule: a partnership's rhythm (contact frequency, check-ins, summaries, quiet hours, zone, language)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.handlers.coordination import coordinator_partnership
from bot.turn import Turn
from core.i18n import LANGUAGES, day_and_time, normalise_language, t
from core.languages import LANGUAGE_NAMES
from core.schedule import (
    FIRST_WEEKDAY,
    FREQUENCIES,
    QuietHours,
    ScheduleError,
    check_checkin_day,
    check_weekday,
    checkin_start,
    interval,
    month_key,
    next_summary,
    parse_clock,
    parse_duration,
    period_of,
    summary_week,
    zone,
)
from storage import outbox
from storage.contacts import reset_clocks
from storage.models import Partnership, utcnow
from storage.rounds import checkin_of_period

FREQUENCY_WORDS = {t(lang, f"schedule.{f}").lower(): f for f in FREQUENCIES for lang in LANGUAGES} | {
    "hver uke": "weekly", "hver måned": "monthly", "hvert kvartal": "quarterly", "every week": "weekly",
    "every month": "monthly", "every quarter": "quarterly", "uke": "weekly", "måned": "monthly", "kvartal": "quarterly",
    "vecka": "weekly", "månad": "monthly"}
"""What /set frequency accepts besides weekly / monthly / quarterly: those words in every language, and the
ways Norwegian and Swedish coordinators say them."""
FILLER = {"kl", "kl.", "klokka", "klockan", "at", "i", "måneden", "månaden", "of", "the", "month"}
"""Words around a day or a time that change nothing ("første hverdag i måneden kl. 10")."""


SETTING_NAMES = {
    "frequency": ("frekvens", "kontaktfrekvens"), "checkin": ("innsjekk", "innsjekking", "incheckning", "check-in"),
    "window": ("vindu", "fönster"), "summary": ("oppsummering", "sammanfattning"), "quiet": ("stille", "tyst"),
    "timezone": ("tz", "tidssone", "tidszon"), "language": ("lang", "språk"),
}
"""What /set accepts for each setting besides its English name (Norwegian and Swedish, as the usage shows)."""
_SETTING = {alias: name for name, aliases in SETTING_NAMES.items() for alias in (name, *aliases)}


def apply_setting(partnership: Partnership, name: str, values: list[str], *, cross_check: bool = True) -> bool:
    """Change one setting from words such as ``["checkin", "3", "09:30"]``; returns whether clocks must reset.

    Raises ``ScheduleError`` with a clear message for bad input. With ``cross_check=False`` the check-in time is
    not checked against the quiet hours (several settings change together: ``check_checkin_outside_quiet`` after).
    """
    typed, name = name, _SETTING.get(name, name)
    if name in ("checkin", "summary"):  # "første hverdag kl. 10", "mandag kl 8", "5."
        values = [word.rstrip(".") if word[:-1].isdigit() else word for word in values if word.lower() not in FILLER]
        if len(values) >= 2 and f"{values[0]}-{values[1]}".lower() in FIRST_WEEKDAY:
            values = [f"{values[0]}-{values[1]}", *values[2:]]
    if not values:
        raise ScheduleError("settings.err.needs_value", name=typed)
    if name == "frequency":
        frequency = FREQUENCY_WORDS.get(" ".join(values).lower().replace("\u064b", ""), values[0].lower())  # ً is optional
        interval(frequency)
        partnership.contact_frequency = frequency
        return True
    if name == "checkin":  # both checked before either is set: a rejected setting changes nothing
        day = check_checkin_day(values[0])
        clock = f"{parse_clock(values[1]):%H:%M}" if len(values) > 1 else partnership.checkin_time
        if cross_check:
            _check_outside(QuietHours.parse(partnership.quiet_hours), clock)
        partnership.checkin_day, partnership.checkin_time = day, clock
    elif name == "window":  # "7", "7 dager", "1 uke", "2w": whole days, 1–28
        try:
            days = int(values[0]) if len(values) == 1 and values[0].isdigit() else parse_duration(" ".join(values)).days
        except ScheduleError:
            days = 0
        if not 1 <= days <= 28:
            raise ScheduleError("settings.err.window")
        partnership.checkin_window_days = days
    elif name == "summary":
        weekday = check_weekday(values[0])
        clock = f"{parse_clock(values[1]):%H:%M}" if len(values) > 1 else partnership.summary_time
        partnership.summary_day, partnership.summary_time = weekday, clock
    elif name == "quiet":
        quiet = QuietHours.parse(" ".join(values))
        if cross_check:
            _check_outside(quiet, partnership.checkin_time)
        partnership.quiet_hours = str(quiet)
    elif name == "timezone":
        zone(values[0])
        partnership.timezone = values[0]
    elif name == "language":
        lang = normalise_language(" ".join(values)) or values[0].lower()  # a code or a name ("svenska")
        if lang not in LANGUAGES:
            raise ScheduleError("settings.err.language", value=values[0], languages=", ".join(LANGUAGES))
        partnership.lang = lang
    else:
        raise ScheduleError("settings.err.unknown", name=typed)
    return False


def check_checkin_outside_quiet(partnership: Partnership) -> None:
    """After several settings changed together (``cross_check=False``): the check-in opens outside the quiet hours."""
    _check_outside(QuietHours.parse(partnership.quiet_hours), partnership.checkin_time)


def _check_outside(quiet: QuietHours, checkin_time: str) -> None:
    """Check-ins open outside the quiet hours: their invitations go out when they open."""
    if quiet.covers(parse_clock(checkin_time)):
        raise ScheduleError("settings.err.checkin_quiet", time=checkin_time, quiet=str(quiet))


async def schedule_now(session: AsyncSession, partnership: Partnership, lang: str = "en") -> str:
    """``describe`` as of now, knowing whether this month's check-in was opened already (then the next is next month's)."""
    now = utcnow()
    period = period_of(*month_key(now, zone(partnership.timezone)))
    taken = await checkin_of_period(session, partnership.id, period) is not None  # type: ignore[arg-type]
    sent = await outbox.has_prefix(session, f"summary:{partnership.id}:{summary_week(now, zone(partnership.timezone))}:")
    return describe(partnership, now, lang, this_month_taken=taken, this_week_sent=sent)


def describe(partnership: Partnership, now: datetime, lang: str = "en", *, this_month_taken: bool = False,
             this_week_sent: bool = False) -> str:
    """The partnership's rhythm and the next scheduled moments, in its time zone and the reader's language."""
    tz = zone(partnership.timezone)
    year, month = month_key(now, tz)
    start = checkin_start(year, month, partnership.checkin_day, parse_clock(partnership.checkin_time), tz)
    if (this_month_taken or start + timedelta(days=partnership.checkin_window_days) <= now  # as the scheduler
            or start < partnership.created_at):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        start = checkin_start(year, month, partnership.checkin_day, parse_clock(partnership.checkin_time), tz)
    close = start + timedelta(days=partnership.checkin_window_days)
    summary = next_summary(now, partnership.summary_day, parse_clock(partnership.summary_time), tz,
                           this_week_sent=this_week_sent)
    day = partnership.checkin_day
    return t(lang, "schedule.text", name=partnership.name, slug=partnership.slug, zone=partnership.timezone,
             frequency=t(lang, f"schedule.{partnership.contact_frequency}"),
             checkin_day=t(lang, "schedule.first_weekday") if day == "first-weekday" else
             t(lang, "schedule.day_of_month", day=day),
             checkin_time=partnership.checkin_time,
             days=t(lang, "schedule.days", n=partnership.checkin_window_days),
             start=day_and_time(lang, start.astimezone(tz)), end=day_and_time(lang, close.astimezone(tz)),
             summary_day=weekday_name(lang, partnership.summary_day), summary_time=partnership.summary_time,
             summary=day_and_time(lang, summary.astimezone(tz)),
             quiet=t(lang, "schedule.quiet_off") if partnership.quiet_hours == "off" else partnership.quiet_hours,
             language=f"{LANGUAGE_NAMES.get(partnership.lang, partnership.lang)} ({partnership.lang})")


def weekday_name(lang: str, day: str) -> str:
    """'mon' as readers of ``lang`` name the day ("mandag", "Monday"), by Babel."""
    from babel.dates import get_day_names

    index = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(day)
    try:
        return str(get_day_names("wide", locale=lang)[index])
    except (ValueError, LookupError):
        return day


async def set_command(turn: Turn, args: str) -> None:
    """``/set NAME VALUE…`` for coordinators."""
    words = args.split()
    if not words:
        turn.say(turn.t("settings.usage"), is_error=True)
        return
    partnership = await coordinator_partnership(turn)
    if partnership is None:
        return
    try:
        reset = apply_setting(partnership, words[0].lower(), words[1:])
    except ScheduleError as exc:
        turn.say(turn.t("settings.error", problem=exc.text(turn.lang)) + "\n" + turn.t("settings.usage"), is_error=True)
        return
    turn.session.add(partnership)
    if reset:
        await reset_clocks(turn.session, partnership)
    turn.say(turn.t("settings.done", schedule=await schedule_now(turn.session, partnership, turn.lang)))


async def schedule(turn: Turn, args: str) -> None:
    """``/schedule``: the partnership's rhythm and what comes next."""
    partnership = await coordinator_partnership(turn)
    if partnership is not None:
        turn.say(await schedule_now(turn.session, partnership, turn.lang))


async def text_only(turn: Turn, args: str) -> None:
    """``/textonly [on|off]``: charts come as their text alternative, with no images (toggles without an argument)."""
    word = args.strip().lower()
    if word not in ("", "on", "off", "på", "av"):
        turn.say(turn.t("textonly.usage"), is_error=True)
        return
    turn.person.text_only = (not turn.person.text_only) if not word else word in ("on", "på")
    turn.session.add(turn.person)
    turn.say(turn.t("textonly.on" if turn.person.text_only else "textonly.off"))


async def reminders(turn: Turn, args: str) -> None:
    """``/reminders off|on``: stop (or allow again) reminders about open rounds."""
    word = args.strip().lower()
    if word not in ("off", "on", "av", "på"):
        turn.say(turn.t("reminder.usage"), is_error=True)
        return
    turn.person.reminders_off = word in ("off", "av")
    turn.session.add(turn.person)
    turn.say(turn.t("reminder.stopped" if turn.person.reminders_off else "reminder.resumed"))
