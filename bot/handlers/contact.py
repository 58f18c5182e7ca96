"""/contact (record that partners were in touch) and /snooze (pause nudges)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from bot.turn import Turn
from core.i18n import CONTACT_KINDS, catalogue, command_words, day_and_time
from core.roles import RESIDENT
from core.schedule import OFF, ScheduleError, later_by, parse_day, zone
from storage.contacts import record_contact
from storage.models import ContactKind, Organisation, utcnow
from storage.partnerships import UnknownOrganisation, get_organisation, list_organisations
from storage.people import membership_in

KINDS = CONTACT_KINDS
SYNONYMS = {
    "meeting": {"meet", "møtte", "møter", "möten", "besøk", "besök", "visit"},
    "call": {"phone", "telefon", "tlf", "ring", "ringte", "ringde", "samtaler", "samtal", "telefonsamtale", "videomøte",
             "videomöte", "video"},
    "email": {"e-mail", "mail", "epost", "e-posst", "eposter", "e-poster", "mejl"},
    "chat": {"chatt", "melding", "meldinger", "sms", "meddelande", "message", "messages", "teams", "slack"},
}
"""Other words people use for the kinds of contact (the kinds' own names in every language count too)."""


def kind_of(word: str) -> str | None:
    """A kind of contact as typed in any language ('møte', 'möte', 'meeting' …), or None."""
    typed = word.strip().lower()
    for kind in KINDS:
        if typed == kind or typed in SYNONYMS[kind] or typed in {
                text.lower() for text in catalogue()[f"contact.kind.{kind}"].values()}:
            return kind
    return None


async def contact(turn: Turn, args: str) -> None:
    """``/contact ORGANISATION meeting|call|email|chat [date]``."""
    partnership = await turn.partnership()
    if partnership is None:
        turn.say(turn.t("not_member"), is_error=True)
        return
    membership = await membership_in(turn.session, turn.person.id, partnership.id)  # type: ignore[arg-type]
    if membership is None or membership.role == RESIDENT:
        turn.say(turn.t("contact.partners_only"), is_error=True)
        return
    words = args.split()
    if len(words) >= 4 and words[-2].lower() == "i" and words[-1].lower() in ("dag", "går"):  # "i går" is one date
        words[-2:] = [words[-2] + words[-1]]
    tz = zone(turn.person.timezone or partnership.timezone)
    today = utcnow().astimezone(tz).date()
    day = today
    if len(words) >= 3 and _dateish(words[-1]):
        try:
            day = parse_day(words[-1], today)
        except ScheduleError as exc:
            turn.say(turn.t("contact.bad_date", problem=exc.text(turn.lang)), is_error=True)
            return
        words.pop()
    if len(words) < 2:
        turn.say(turn.t("contact.usage", **command_words(turn.lang)), is_error=True)
        return
    typed = words[-1]
    if (kind := kind_of(typed)) is not None:
        words.pop()
    elif (kind := kind_of(words[0])) is not None:  # "/contact møte Rema": the kind first, as people also say it
        words.pop(0)
    else:
        usage = turn.t("contact.usage", **command_words(turn.lang))
        turn.say(turn.t("contact.bad_kind", kind=typed) + "\n" + usage, is_error=True)
        return
    name = " ".join(words)
    try:
        org = await get_organisation(turn.session, partnership, name)
    except UnknownOrganisation as unknown:
        turn.say(unknown.text(turn.lang), is_error=True)
        return
    own = await turn.session.get(Organisation, membership.organisation_id) if membership.organisation_id else None
    if own is not None and own.id == org.id:  # contact is between partners: one's own organisation is no partner
        others = ", ".join(o.name for o in await list_organisations(turn.session, partnership) if o.id != own.id) or "—"
        turn.say(turn.t("contact.own_org", organisation=org.name, known=others), is_error=True)
        return
    at = utcnow() if day == today else datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC)
    await record_contact(turn.session, org, partnership.contact_frequency, kind=ContactKind(kind).value,
                         source="partner", at=at, person_id=turn.person.id, other=own)
    turn.say(turn.t("contact.recorded", kind=turn.t(f"contact.kind.{kind}"), organisation=org.name, day=day.isoformat()))


def _dateish(word: str) -> bool:
    """Whether a last word is meant as a date: '2027-02-01', '1.2.27', 'today' (a bare number is part of a name,
    as in "Rema 1000")."""
    return re.fullmatch(r"\d{1,4}[-./]\d{1,2}(?:[-./]\d{0,4})?", word) is not None or word.lower() in (
        "today", "yesterday", "idag", "igår")


async def snooze(turn: Turn, args: str) -> None:
    """``/snooze 3d|2w|1m|off``: no nudges for a while."""
    value = args.strip().lower()
    if value in OFF | {"stop", "stopp"}:
        turn.person.snoozed_until = None
        turn.session.add(turn.person)
        turn.say(turn.t("snooze.off"))
        return
    partnership = await turn.partnership()
    tz = zone(turn.person.timezone or (partnership.timezone if partnership else "Europe/Oslo"))
    try:
        until = later_by(value, utcnow(), tz)  # "1m": the same day next month, as for due dates
    except ScheduleError:
        turn.say(turn.t("snooze.usage"), is_error=True)
        return
    turn.person.snoozed_until = until
    turn.session.add(turn.person)
    turn.say(turn.t("snooze.set", until=f"{day_and_time(turn.lang, until.astimezone(tz))} ({tz.key})"))  # whose clock
