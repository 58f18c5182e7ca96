"""Calendar rules for check-ins, summaries, nudges and quiet hours. Pure: times in, times out.

All inputs and outputs are timezone-aware; local rules (10:00 on the first
weekday, quiet hours 20:00–08:00) are applied in the given IANA time zone.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.easter import easter

from core.i18n import LocalizedError
from core.languages import LANGUAGES

FREQUENCIES = {"weekly": 7, "monthly": 30, "quarterly": 91}
"""Agreed contact frequency → days until an organisation is overdue."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIRST_WEEKDAY = {"first-weekday", "first", "første-ukedag", "første-hverdag", "første-virkedag", "første",
                 "första-vardagen", "första-veckodagen", "första"}
"""How ``/set checkin`` may name the month's first weekday (English, Norwegian, Swedish)."""
OFF = {"off", "none", "av", "ingen", "inga", "nei", "nej", "no"}
"""Words that turn a setting off (quiet hours, a snooze)."""
_UNITS = {  # the start of a unit as typed: 3d, 2w, 2u (uker), 2v (veckor), 12t (timer), 1m, "2 uker", "1 månad"
    1 / 24: ("h", "t", "timer", "timmar", "timme", "time", "hour"),
    1: ("d", "dag", "dager", "dagar", "døgn", "day"),
    7: ("w", "u", "v", "uke", "uker", "uka", "vecka", "veckor", "week"),
    30: ("m", "mnd", "mån", "måned", "måneder", "månad", "månader", "month"),
}


class ScheduleError(LocalizedError):
    """A schedule setting that cannot be used, with a message saying what is accepted."""


def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` (e.g. Europe/Oslo), or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("schedule.err.zone", value=name) from None


def parse_clock(value: str) -> time:
    """'10:00' or '8' → a time of day."""
    text = value.strip().replace(".", ":")
    hours, _, minutes = text.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()):
        raise ScheduleError("schedule.err.clock", value=value)
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ScheduleError("schedule.err.clock", value=value)
    return time(h, m)


def interval(frequency: str) -> timedelta:
    """The contact interval for weekly / monthly / quarterly."""
    if frequency not in FREQUENCIES:
        raise ScheduleError("schedule.err.frequency", value=frequency)
    return timedelta(days=FREQUENCIES[frequency])


def check_checkin_day(value: str) -> str:
    """'first-weekday' (also 'første-ukedag', 'första-vardagen') or a day of the month 1–28."""
    value = value.strip().lower()
    if value in FIRST_WEEKDAY:
        return "first-weekday"
    if value.isdigit() and 1 <= int(value) <= 28:
        return value
    raise ScheduleError("schedule.err.checkin_day", value=value)


@cache
def _weekday_names() -> dict[str, str]:
    """Every configured language's names for the days, full and short ('mandag', 'man', 'måndag'), by Babel."""
    from babel.dates import get_day_names

    names: dict[str, str] = {}
    for lang in LANGUAGES:
        for width in ("wide", "abbreviated"):
            try:
                found = get_day_names(width, locale=lang)
            except (ValueError, LookupError):
                continue
            for index, name in found.items():
                names.setdefault(str(name).lower().rstrip("."), WEEKDAYS[index])
    return names


def check_weekday(value: str) -> str:
    """A day as 'mon' … 'sun': typed in English ('monday', 'mon') or as any configured language names it."""
    typed = value.strip().lower().rstrip(".")
    day = _weekday_names().get(typed) or typed[:3]
    if day not in WEEKDAYS:
        raise ScheduleError("schedule.err.weekday", value=value)
    return day


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 17), (6, 6)}
"""Public holidays in Norway or Sweden on a fixed date: New Year's Day, 1 May, 17 May (Norway), 6 June (Sweden)."""
EASTER_OFFSETS = (-3, -2, 1, 39, 50)
"""Days from Easter Sunday that are public holidays in Norway or Sweden: Maundy Thursday, Good Friday, Easter
Monday, Ascension Day, Whit Monday."""


def holiday(day: date) -> bool:
    """Whether ``day`` is a public holiday in Norway or Sweden (the partners' countries)."""
    return (day.month, day.day) in FIXED_HOLIDAYS or (day - easter(day.year)).days in EASTER_OFFSETS


def checkin_start(year: int, month: int, day_rule: str, at: time, tz: ZoneInfo) -> datetime:
    """When the month's check-in opens (UTC): the first weekday, or a fixed day, at ``at`` local time.

    The first weekday is never a public holiday (New Year's Day, Easter Monday in an April that starts with it,
    1 May, Whit Monday …).
    """
    if day_rule == "first-weekday":
        day = date(year, month, 1)
        while day.weekday() >= 5 or holiday(day):
            day += timedelta(days=1)
    else:
        day = date(year, month, int(day_rule))
    return _local(day, at, tz)


def month_key(moment: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """(year, month) of a moment in a time zone."""
    local = moment.astimezone(tz)
    return local.year, local.month


def period_of(year: int, month: int) -> str:
    """A monthly check-in's period, e.g. '2027-02'."""
    return f"{year}-{month:02d}"


def summary_due(now: datetime, weekday: str, at: time, tz: ZoneInfo) -> datetime:
    """The latest weekly summary time at or before ``now`` (UTC)."""
    local = now.astimezone(tz)
    back = (local.weekday() - WEEKDAYS.index(weekday)) % 7
    candidate = _local(local.date() - timedelta(days=back), at, tz)
    return candidate if candidate <= now else candidate - timedelta(days=7)


def next_summary(now: datetime, weekday: str, at: time, tz: ZoneInfo, *, this_week_sent: bool = False) -> datetime:
    """The next weekly summary time after ``now`` (UTC); a week gets one, so after this week's went out (before
    the day was moved later in the week) the next is in the week after."""
    upcoming = summary_due(now, weekday, at, tz) + timedelta(days=7)
    if this_week_sent and summary_week(upcoming, tz) == summary_week(now, tz):
        upcoming += timedelta(days=7)
    return upcoming


def summary_week(moment: datetime, tz: ZoneInfo) -> str:
    """The ISO week a weekly summary belongs to, e.g. 'week-2027-W05' (one summary a week)."""
    year, week, _ = moment.astimezone(tz).isocalendar()
    return f"week-{year}-W{week:02d}"


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (e.g. 20:00–08:00) in which nothing personal is sent."""

    start: time
    end: time

    @classmethod
    def parse(cls, value: str) -> QuietHours:
        """'20:00-08:00' → QuietHours; 'off' → an empty window."""
        if value.strip().lower() in OFF | {""}:
            return cls(time(0), time(0))
        start, sep, end = value.replace("–", "-").partition("-")
        if not sep:
            raise ScheduleError("schedule.err.quiet", value=value)
        return cls(parse_clock(start), parse_clock(end))

    def __str__(self) -> str:
        if self.start == self.end:
            return "off"
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Whether ``moment`` falls in the window in time zone ``tz``."""
        return self.covers(moment.astimezone(tz).time())

    def covers(self, clock: time) -> bool:
        """Whether a local clock time falls in the window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def defer(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """``moment`` if it is outside the window, else the window's end (UTC)."""
        if not self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return _local(day, self.end, tz)


def parse_duration(value: str) -> timedelta:
    """'3d', '2w', '1m' (30 days), '12h' → a duration; also Norwegian and Swedish units ('2u', '2v', '12t') and
    words ('2 uker', '1 month')."""
    found = re.fullmatch(r"(\d+)\s*([^\d\s]+?)s?", value.strip().lower())
    if found and int(found.group(1)) > 0:
        for days, words in _UNITS.items():
            if found.group(2) in words:
                return timedelta(days=int(found.group(1)) * days)
    raise ScheduleError("schedule.err.duration", value=value)


def _date(text: str) -> date | None:
    """'2027-02-01', '01.02.2027' or '01.02.27' as a date; None for anything else."""
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_day(value: str, today: date) -> date:
    """'2027-02-01', '01.02.2027', 'today' or 'yesterday' → a date (not in the future)."""
    text = value.strip().lower()
    if text in ("today", "i dag", "idag"):
        return today
    if text in ("yesterday", "i går", "igår", "igår"):
        return today - timedelta(days=1)
    day = _date(text)
    if day is None:
        raise ScheduleError("schedule.err.date", value=value)
    if day > today:
        raise ScheduleError("schedule.err.future", day=day.isoformat())
    return day


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months on (the month's last day when it is shorter)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _months(text: str) -> int | None:
    """How many months '1m', '2 måneder' or '3 months' says (None when it is no count of months)."""
    found = re.fullmatch(r"(\d+)\s*([^\d\s]+?)s?", text.strip().lower())
    return int(found.group(1)) if found and found.group(2) in _UNITS[30] and int(found.group(1)) > 0 else None


def later_by(value: str, moment: datetime, tz: ZoneInfo) -> datetime:
    """``moment`` plus '3d', '2w' or '1m' (UTC); months are calendar months in ``tz``, as in due dates."""
    months = _months(value)
    if months is None:
        return moment + parse_duration(value)
    local = moment.astimezone(tz)
    return datetime.combine(add_months(local.date(), months), local.time(), tzinfo=tz).astimezone(UTC)


def parse_due(value: str, today: date) -> date:
    """A due date: '2027-03-01', '01.03.2027', or a time from today such as '2w' or '1m'; not in the past."""
    text = value.strip().lower()
    day = _date(text)
    months = _months(text)
    if day is None and months:
        day = add_months(today, months)  # "1m" from 15 December: 15 January, as people count
    if day is None:
        try:
            day = today + parse_duration(text)
        except ScheduleError:
            raise ScheduleError("schedule.err.due_date", value=value) from None
    if day < today:
        raise ScheduleError("schedule.err.passed", day=day.isoformat())
    return day
