"""Database tables. All conversation state lives here, so restarts and extra workers lose nothing.

Times are stored in UTC. Unique constraints make duplicate deliveries harmless:
one identity per platform user, one response per person and round, one answer per
response and item, one row per processed update key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, DateTime, Index, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

_AS_OF: ContextVar[datetime | None] = ContextVar("samson_as_of", default=None)


def utcnow() -> datetime:
    """The current time in UTC (or the moment ``as_of`` looks from)."""
    return _AS_OF.get() or datetime.now(UTC)


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Within the block, ``utcnow()`` is ``moment``: ``samson due --show`` composes messages as they would read then."""
    token = _AS_OF.set(moment)
    try:
        yield
    finally:
        _AS_OF.reset(token)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def _ts(nullable: bool, default: Callable[[], datetime] | None = None) -> Any:
    column: Column[datetime] = Column(UTCDateTime(), nullable=nullable)
    if default is not None:
        return Field(default_factory=default, sa_column=column)
    return Field(default=None, sa_column=column)


class OrgKind(StrEnum):
    """Kinds of partner organisation."""

    municipality = "municipality"
    social_enterprise = "social_enterprise"
    ngo = "ngo"
    business = "business"
    residents = "residents"
    other = "other"


class Role(StrEnum):
    """A person's role in one partnership."""

    partner = "partner"
    coordinator = "coordinator"
    resident = "resident"


class RoundStatus(StrEnum):
    """Whether a round accepts answers."""

    open = "open"
    closed = "closed"


class Partnership(SQLModel, table=True):
    """A co-creation partnership; its data is never visible to another."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=64, unique=True, index=True)
    k_threshold: int = Field(default=3, ge=1)
    timezone: str = Field(default="Europe/Oslo", max_length=64)
    contact_frequency: str = Field(default="monthly", max_length=16)
    checkin_day: str = Field(default="first-weekday", max_length=16)
    """'first-weekday' or a day of the month 1–28."""
    checkin_time: str = Field(default="10:00", max_length=5)
    checkin_window_days: int = Field(default=7, ge=1, le=28)
    summary_day: str = Field(default="mon", max_length=3)
    summary_time: str = Field(default="08:00", max_length=5)
    quiet_hours: str = Field(default="20:00-08:00", max_length=11)
    lang: str = Field(default="nb", max_length=8)
    """The language of messages to its channels and groups (people read their own language in private)."""
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Organisation(SQLModel, table=True):
    """A partner organisation, with its kind (municipality, social enterprise, …)."""

    __table_args__ = (UniqueConstraint("partnership_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=OrgKind.other.value, max_length=32)
    last_contact_at: datetime | None = _ts(nullable=True)
    contact_due_at: datetime | None = _ts(nullable=True)
    """When the organisation becomes overdue for contact (last contact + the agreed interval)."""
    next_nudge_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    """When the nudge policy must look at this organisation next (first nudge, then escalation)."""


class Person(SQLModel, table=True):
    """A human user, across platforms."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(default="", max_length=200)
    lang: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    consent_at: datetime | None = _ts(nullable=True)
    snoozed_until: datetime | None = _ts(nullable=True)
    text_only: bool = Field(default=False)
    """Send no images to this person: each chart comes as its text alternative (/textonly)."""
    reminders_off: bool = Field(default=False)
    """The person stopped reminders about open rounds (one button, or /reminders off)."""
    assisted: bool = Field(default=False)
    """A coordinator enters this person's answers for them (``samson assist``: no phone, or a paper form)."""
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Identity(SQLModel, table=True):
    """A person's account on one platform, plus the per-chat conversation state."""

    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    dm_channel: str | None = Field(default=None, max_length=64)
    locale_hint: str | None = Field(default=None, max_length=16)
    awaiting: str | None = Field(default=None, max_length=16)
    """What a plain message answers now: 'consent', 'language', 'round' or nothing."""
    active_response_id: int | None = Field(default=None, foreign_key="response.id")
    current_partnership_id: int | None = Field(default=None, foreign_key="partnership.id")
    unreachable: bool = Field(default=False)


class Membership(SQLModel, table=True):
    """A person's role in a partnership, and the organisation they represent."""

    __table_args__ = (UniqueConstraint("person_id", "partnership_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    role: str = Field(default=Role.partner.value, max_length=16)
    invite_id: int | None = Field(default=None, foreign_key="invite.id")
    """The invite it was made from; declining consent gives the use back."""
    joined_at: datetime = _ts(nullable=False, default=utcnow)


class Invite(SQLModel, table=True):
    """An invite code that joins a person to a partnership, organisation and role."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    role: str = Field(default=Role.partner.value, max_length=16)
    max_uses: int | None = Field(default=None)
    uses: int = Field(default=0)
    expires_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Round(SQLModel, table=True):
    """One opening of an instrument in a partnership."""

    __table_args__ = (
        UniqueConstraint("partnership_id", "instrument_id", "number"),
        UniqueConstraint("partnership_id", "instrument_id", "period", name="uq_round_period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    instrument_id: str = Field(max_length=24)
    instrument_version: int
    number: int
    title: str = Field(max_length=200)
    audience: str = Field(default="all", max_length=16)
    """Who may answer: 'partners', 'residents' or 'all'."""
    status: str = Field(default=RoundStatus.open.value, max_length=8, index=True)
    opened_at: datetime = _ts(nullable=False, default=utcnow)
    closes_at: datetime | None = _ts(nullable=True)
    """For scheduled rounds (check-ins): when the window closes."""
    period: str | None = Field(default=None, max_length=16)
    """For scheduled rounds: the period it belongs to, e.g. '2027-02'; one round per period."""
    closed_at: datetime | None = _ts(nullable=True)
    parent_round_id: int | None = Field(default=None, foreign_key="round.id")
    """For the residents' companion of a SAMSON round: that round (opened and closed with it)."""


class Response(SQLModel, table=True):
    """One person's answering of one round; holds the flow position."""

    __table_args__ = (UniqueConstraint("round_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    position: int = Field(default=0)
    awaiting_idea: bool = Field(default=False)
    choosing_sharing: bool = Field(default=False)
    """An idea was typed; who may see it is asked next."""
    completed_at: datetime | None = _ts(nullable=True)
    started_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class Answer(SQLModel, table=True):
    """One answer; ``number`` and ``text`` both empty means "can't say" or skipped."""

    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    item_id: str = Field(max_length=32)
    number: float | None = None
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime = _ts(nullable=False, default=utcnow)


class ActionIdea(SQLModel, table=True):
    """An idea for action proposed after an item."""

    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    item_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    sharing: str | None = Field(default=None, max_length=16)
    """The author's choice (``core.disclosure.Sharing``); none yet counts as coordinators only."""
    created_at: datetime = _ts(nullable=False, default=utcnow)


class ActionStatus(StrEnum):
    """Where an entry of the action register stands."""

    proposed = "proposed"
    """An idea nobody has agreed yet."""
    agreed = "agreed"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class Action(SQLModel, table=True):
    """The action register: ideas, and the actions the partnership agreed, with owner, due date and status."""

    __table_args__ = (Index("ix_action_open", "partnership_id", "status", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=16)
    """'idea' (after a question), 'manual' (/action add), 'session' or 'checkin'."""
    idea_id: int | None = Field(default=None, foreign_key="actionidea.id", unique=True)
    author_id: int | None = Field(default=None, foreign_key="person.id")
    sharing: str | None = Field(default=None, max_length=16)
    """The author's choice (``core.disclosure.Sharing``), kept from the idea."""
    status: str = Field(default=ActionStatus.proposed.value, max_length=16)
    owner_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    owner_person_id: int | None = Field(default=None, foreign_key="person.id")
    due_on: date | None = None
    serves: str | None = Field(default=None, max_length=32)
    """The SAMSON field or survey factor the action serves."""
    version: int = Field(default=0)
    """Raised on every change: a change made from an older view is refused."""
    created_at: datetime = _ts(nullable=False, default=utcnow)
    agreed_at: datetime | None = _ts(nullable=True)
    done_at: datetime | None = _ts(nullable=True)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class DialogueSession(SQLModel, table=True):
    """A live dialogue in a bound channel: one statement at a time, votes kept as a round's answers."""

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    field_id: str | None = Field(default=None, max_length=32)
    """One SAMSON field, or None for all seven."""
    position: int = Field(default=0)
    shown: bool = Field(default=False)
    """The current statement's distribution is shown; its voting is closed."""
    status: str = Field(default="active", max_length=16)
    """'active', 'paused' or 'ended'."""
    started_by: int | None = Field(default=None, foreign_key="person.id")
    version: int = Field(default=0)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class Publication(SQLModel, table=True):
    """A published snapshot of a round's group result; later ones are checked against it.

    ``figures`` is a ``core.results.Snapshot`` as JSON (only what the gate allows);
    ``ledger`` holds, per item, the sets of responses behind the figures shown.
    """

    __table_args__ = (UniqueConstraint("round_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    number: int
    occasion: str = Field(max_length=16)
    """'closed' or 'interim'."""
    respondents: int
    figures: str = Field(sa_column=Column(Text, nullable=False))
    ledger: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = _ts(nullable=False, default=utcnow)


class Inbox(SQLModel, table=True):
    """An incoming update, stored under its platform key before it is acknowledged.

    ``processed_at`` is set in the transaction that applies it, so each update is
    applied once, whichever worker takes it (Slack retries, Telegram re-deliveries).
    An update left unprocessed by a crash is picked up again (``bot.dispatch.BotCore.recover``).
    """

    __table_args__ = (Index("ix_inbox_pending", "processed_at", "received_at"),)
    key: str = Field(primary_key=True, max_length=128)
    platform: str = Field(max_length=16)
    event: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    """The neutral event as JSON (``bot.events.Event``)."""
    received_at: datetime = _ts(nullable=False, default=utcnow)
    processed_at: datetime | None = _ts(nullable=True)
    attempts: int = Field(default=0)


class ChannelPurpose(StrEnum):
    """What a bound channel or group is for."""

    partners = "partners"
    coordinators = "coordinators"
    residents = "residents"


class ChannelBinding(SQLModel, table=True):
    """A Slack channel or Telegram group bound to a partnership, for charts, digests and summaries."""

    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    purpose: str = Field(default=ChannelPurpose.partners.value, max_length=16)
    lang: str = Field(default="nb", max_length=8)
    created_at: datetime = _ts(nullable=False, default=utcnow)


class Outbox(SQLModel, table=True):
    """A message decided on but maybe not yet sent; its unique key makes each one go out once.

    ``kind`` and ``params`` say what to compose at send time (charts are rendered then,
    outside the transaction that decided it).
    """

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "not_before"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    partnership_id: int | None = Field(default=None, foreign_key="partnership.id", index=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    not_before: datetime = _ts(nullable=False, default=utcnow)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    claimed_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)


class ContactKind(StrEnum):
    """How partners were in touch."""

    meeting = "meeting"
    call = "call"
    email = "email"
    chat = "chat"
    activity = "activity"
    """Messages in a bound channel or group (counted, never stored)."""


class Contact(SQLModel, table=True):
    """One recorded contact of an organisation: timestamps only, never message text."""

    __table_args__ = (Index("ix_contact_org_at", "organisation_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    other_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=16)
    source: str = Field(max_length=16)
    """'partner' (said so), 'checkin' or 'channel'."""
    at: datetime = _ts(nullable=False, default=utcnow)
