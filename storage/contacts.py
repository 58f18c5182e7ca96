"""Contact between partners and the nudge bookkeeping on each organisation.

Each organisation carries ``last_contact_at``, ``contact_due_at`` (last contact +
the agreed interval) and ``next_nudge_at`` (when the nudge policy must look at it
again), so finding what is due is one indexed range query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.schedule import interval, zone
from storage.models import Contact, Identity, Membership, Organisation, OrgKind, Partnership, Person, Role, utcnow


async def record_contact(
    session: AsyncSession, org: Organisation, frequency: str, *, kind: str, source: str, at: datetime | None = None,
    person_id: int | None = None, other: Organisation | None = None,
) -> None:
    """Record a contact of ``org`` (and of ``other``, the organisation it was with); resets their nudge clocks."""
    at = at or utcnow()
    session.add(Contact(partnership_id=org.partnership_id, organisation_id=org.id,  # type: ignore[arg-type]
                        other_organisation_id=other.id if other else None, person_id=person_id, kind=kind,
                        source=source, at=at))
    for touched in (org, other):
        if touched is not None and (touched.last_contact_at is None or touched.last_contact_at < at):
            touched.last_contact_at = at
            touched.contact_due_at = at + interval(frequency)
            touched.next_nudge_at = touched.contact_due_at
            session.add(touched)
    await session.flush()


async def start_clocks(session: AsyncSession, now: datetime | None = None) -> int:
    """Organisations without a contact clock get one: due one interval from now. Returns how many."""
    now = now or utcnow()
    found = (await session.exec(
        select(Organisation, Partnership.contact_frequency)
        .join(Partnership, Partnership.id == Organisation.partnership_id)
        .where(col(Organisation.contact_due_at).is_(None))
    )).all()
    for org, frequency in found:
        org.contact_due_at = now + interval(frequency)
        org.next_nudge_at = org.contact_due_at
        session.add(org)
    return len(found)


async def reset_clocks(session: AsyncSession, partnership: Partnership) -> None:
    """After the agreed frequency changes: recompute every organisation's due time."""
    orgs = (await session.exec(select(Organisation).where(Organisation.partnership_id == partnership.id))).all()
    for org in orgs:
        base = org.last_contact_at or utcnow()
        org.contact_due_at = base + interval(partnership.contact_frequency)
        org.next_nudge_at = org.contact_due_at
        session.add(org)


@dataclass(frozen=True)
class DueOrganisation:
    """An organisation the nudge policy must act on now."""

    organisation_id: int
    partnership_id: int
    name: str
    contact_due_at: datetime
    next_nudge_at: datetime
    last_contact_at: datetime | None


async def due_organisations(session: AsyncSession, now: datetime, limit: int = 1000) -> list[DueOrganisation]:
    """Partner organisations whose nudge time has come: one indexed range query on ``next_nudge_at``."""
    query = (
        select(Organisation.id, Organisation.partnership_id, Organisation.name,  # type: ignore[call-overload]
               Organisation.contact_due_at, Organisation.next_nudge_at, Organisation.last_contact_at)
        .where(col(Organisation.next_nudge_at) <= now, Organisation.kind != OrgKind.residents.value)
        .order_by(col(Organisation.next_nudge_at))
        .limit(limit)
    )
    return [DueOrganisation(*row) for row in (await session.exec(query)).all()]  # type: ignore[arg-type]


@dataclass(frozen=True)
class NudgeTarget:
    """A member of a due organisation who can be messaged privately."""

    organisation_id: int
    person_id: int
    identity_id: int
    platform: str
    workspace: str
    channel: str
    timezone: str | None
    snoozed_until: datetime | None


async def due_nudge_targets(session: AsyncSession, now: datetime, limit: int = 1000) -> list[NudgeTarget]:
    """The members to nudge now, with where to reach them: one query over the ``next_nudge_at`` index.

    Only organisations at their first nudge (``next_nudge_at == contact_due_at``) are included;
    people who consented and are reachable, partners and coordinators alike.
    """
    due = (
        select(Organisation.id)
        .where(col(Organisation.next_nudge_at) <= now, Organisation.next_nudge_at == Organisation.contact_due_at,
               Organisation.kind != OrgKind.residents.value)  # residents are never nudged about partner contact
        .order_by(col(Organisation.next_nudge_at))
        .limit(limit)
        .subquery()
    )
    query = (
        select(Membership.organisation_id, Person.id, Identity.id,  # type: ignore[call-overload,misc]
               Identity.platform, Identity.workspace, Identity.dm_channel, Identity.user_id, Person.timezone,
               Person.snoozed_until)
        .join(due, due.c.id == Membership.organisation_id)
        .join(Person, Person.id == Membership.person_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(col(Person.consent_at).is_not(None), Identity.unreachable == False,  # noqa: E712
               Membership.role != Role.resident.value)
        .where(or_(col(Identity.dm_channel).is_not(None), Identity.platform == "slack"))
    )
    rows = (await session.exec(query)).all()
    return [NudgeTarget(org, person, ident, platform, ws, dm or user, tz, snoozed)  # type: ignore[arg-type]
            for org, person, ident, platform, ws, dm, user, tz, snoozed in rows]


async def advance_nudge_clock(session: AsyncSession, org_id: int, next_at: datetime | None) -> None:
    """Move an organisation's next nudge time (None: nothing more until the next contact)."""
    await session.exec(update(Organisation).where(Organisation.id == org_id).values(next_nudge_at=next_at))  # type: ignore[call-overload]


@dataclass(frozen=True)
class ContactHealth:
    """Days since an organisation's last contact, and whether it is overdue."""

    organisation: str
    days: int | None
    overdue: bool


async def contact_health(session: AsyncSession, partnership: Partnership, now: datetime) -> list[ContactHealth]:
    """Per partner organisation: days since the last contact (None: never), overdue ones marked; longest silence
    first. The same clock the nudges run on (a check-in counts by being answered, never by what was answered)."""
    orgs = (await session.exec(select(Organisation).where(Organisation.partnership_id == partnership.id,
                                                         Organisation.kind != OrgKind.residents.value))).all()
    result = []
    tz = zone(partnership.timezone)
    for org in orgs:
        days = days_between(org.last_contact_at, now, tz) if org.last_contact_at else None
        overdue = org.contact_due_at is not None and org.contact_due_at <= now
        result.append(ContactHealth(org.name, days, overdue))
    return sorted(result, key=lambda h: (-(h.days if h.days is not None else 10**6), h.organisation))


async def recent_activity(session: AsyncSession, org_id: int, since: datetime) -> bool:
    """Whether channel activity was already counted for an organisation since ``since``."""
    query = select(Contact.id).where(and_(Contact.organisation_id == org_id, Contact.kind == "activity",
                                          Contact.at >= since)).limit(1)
    return (await session.exec(query)).first() is not None


def silence(last: datetime | None, now: datetime, fallback: datetime, tz: ZoneInfo | None = None) -> int:
    """Calendar days since the last contact (or since ``fallback`` if there never was one), in time zone ``tz``:
    a contact yesterday evening was 1 day ago this morning."""
    return max(0, days_between(last or fallback, now, tz))


def days_between(earlier: datetime, later: datetime, tz: ZoneInfo | None = None) -> int:
    """Calendar days from ``earlier`` to ``later`` as dates in ``tz`` (UTC if none)."""
    zone_ = tz or UTC
    return (later.astimezone(zone_).date() - earlier.astimezone(zone_).date()).days


__all__ = [
    "ContactHealth", "DueOrganisation", "NudgeTarget", "advance_nudge_clock", "contact_health", "due_nudge_targets",
    "due_organisations", "record_contact", "recent_activity", "reset_clocks", "silence", "start_clocks",
]

