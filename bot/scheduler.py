"""What is due, derived from the database on every tick: check-ins, reminders, digests, nudges, summaries.

``Planner.tick(now)`` decides messages into the outbox with unique keys, so a
tick that runs twice (a restart, a second process) decides nothing twice, and a
tick after downtime catches up once. ``Scheduler`` runs ticks with APScheduler
inside ``samson run``; ``samson due --at`` runs one as a dry run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions, round_lifecycle
from bot.invitations import dm_target
from core.i18n import month_name
from core.instrument import load_instrument
from core.nudges import nudge_step, send_time
from core.roles import RESIDENT, may_answer
from core.schedule import (
    QuietHours,
    checkin_start,
    interval,
    month_key,
    parse_clock,
    period_of,
    summary_due,
    summary_week,
    zone,
)
from storage import outbox
from storage.actions import overdue as overdue_actions
from storage.channels import bindings
from storage.contacts import advance_nudge_clock, due_nudge_targets, due_organisations, start_clocks
from storage.db import SCHEDULER_LOCK, Database, try_lock_for_transaction
from storage.models import Identity, Membership, Partnership, Person, Response, Round, RoundStatus, utcnow
from storage.rounds import RoundError, checkin_of_period

log = logging.getLogger(__name__)
TICK_SECONDS = 60
RESIDENT_REMINDER_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class Planned:
    """One message decided by a tick."""

    key: str
    kind: str
    platform: str
    channel: str
    not_before: datetime


class Planner:
    """Decides what is due at a moment; every decision goes through the outbox's unique key."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self.planned: list[Planned] = []

    async def enqueue(self, key: str, *, platform: str, workspace: str, channel: str, kind: str, params: dict,
                      partnership_id: int | None, not_before: datetime | None = None) -> bool:
        when = not_before or self.now
        added = await outbox.enqueue(self.session, key, platform=platform, workspace=workspace, channel=channel,
                                     kind=kind, params=params, partnership_id=partnership_id, not_before=when)
        if added:
            self.planned.append(Planned(key, kind, platform, channel, when))
        return added

    async def tick(self) -> list[Planned]:
        """Decide everything due now."""
        await start_clocks(self.session, self.now)
        partnerships = (await self.session.exec(select(Partnership).order_by(Partnership.id))).all()
        await self.reminders_and_closing()  # first, so last month's check-in is closed before this month's opens
        await self.resident_reminders()
        for partnership in partnerships:
            await self.checkin(partnership)
            await self.summary(partnership)
        await self.nudges()
        await self.action_reminders()
        return self.planned

    # ---- check-ins

    async def checkin(self, p: Partnership) -> None:
        """Open this month's check-in on its day and time, if its window has not passed."""
        tz = zone(p.timezone)
        year, month = month_key(self.now, tz)
        start = checkin_start(year, month, p.checkin_day, parse_clock(p.checkin_time), tz)
        closes = start + timedelta(days=p.checkin_window_days)
        if not start <= self.now < closes or start < p.created_at:
            return
        period = period_of(year, month)
        if await checkin_of_period(self.session, p.id, period):  # type: ignore[arg-type]
            return
        title = f"{load_instrument('checkin').title.get(p.lang)} {month_name(p.lang, period)}"  # "… januar 2027"
        try:
            _round, invited = await round_lifecycle.open_(
                self.session, p, "checkin", title=title, audience="partners", enqueue=self.enqueue,
                opened_at=self.now, closes_at=closes, period=period)
        except RoundError as exc:
            log.warning("check-in %s for %s not opened: %s", period, p.slug, exc)
            return
        log.info("check-in %s opened for %s; %d invited", period, p.slug, invited)

    async def reminders_and_closing(self) -> None:
        """One reminder before an open check-in closes; at the close, the digest."""
        open_checkins = (await self.session.exec(select(Round).where(
            Round.instrument_id == "checkin", Round.status == RoundStatus.open.value,
            col(Round.closes_at).is_not(None)))).all()
        for round_ in open_checkins:
            assert round_.closes_at is not None
            p = await self.session.get(Partnership, round_.partnership_id)
            assert p is not None
            if round_.closes_at <= self.now:
                await round_lifecycle.close(self.session, p, round_, enqueue=self.enqueue)
                continue
            window = round_.closes_at - round_.opened_at
            if self.now >= round_.closes_at - min(timedelta(days=2), window / 2):
                await self.remind(p, round_)

    async def remind(self, p: Partnership, round_: Round) -> None:
        quiet = QuietHours.parse(p.quiet_hours)
        answered = select(Response.person_id).where(Response.round_id == round_.id,
                                                    col(Response.completed_at).is_not(None))
        rows = (await self.session.exec(
            select(Identity, Person, Membership)
            .join(Membership, Membership.person_id == Identity.person_id)
            .join(Person, Person.id == Identity.person_id)
            .where(Membership.partnership_id == p.id, col(Identity.person_id).not_in(answered),
                   Identity.unreachable == False)  # noqa: E712
        )).all()
        for identity, person, membership in rows:
            target = dm_target(identity)
            snoozed = person.snoozed_until is not None and person.snoozed_until > self.now  # /snooze: no reminders
            if target is None or snoozed or person.consent_at is None or not may_answer(membership.role, round_.audience,
                                                           organisation=membership.organisation_id is not None):
                continue  # e.g. a resident, a coordinator with no organisation, or not yet agreed to the terms
            tz = zone(person.timezone or p.timezone)
            await self.enqueue(f"checkin-reminder:{round_.id}:{identity.id}", platform=identity.platform,
                               workspace=identity.workspace, channel=target, kind="checkin_reminder",
                               params={"round_id": round_.id, "person_id": person.id}, partnership_id=p.id,
                               not_before=send_time(self.now, quiet, tz, None))

    async def resident_reminders(self) -> None:
        """Residents who have not answered an open round get one reminder, three days in, outside quiet hours.

        Never more than one per round, and never to someone who stopped reminders.
        """
        rounds = (await self.session.exec(select(Round).where(
            Round.status == RoundStatus.open.value, Round.instrument_id != "checkin",
            col(Round.audience).in_(("all", "residents")), Round.opened_at <= self.now - RESIDENT_REMINDER_AFTER))).all()
        for round_ in rounds:
            p = await self.session.get(Partnership, round_.partnership_id)
            assert p is not None
            answered = select(Response.person_id).where(Response.round_id == round_.id,
                                                        col(Response.completed_at).is_not(None))
            rows = (await self.session.exec(
                select(Identity, Person)
                .join(Membership, Membership.person_id == Identity.person_id)
                .join(Person, Person.id == Identity.person_id)
                .where(Membership.partnership_id == p.id, Membership.role == RESIDENT,
                       Person.reminders_off == False, col(Person.consent_at).is_not(None),  # noqa: E712
                       col(Identity.person_id).not_in(answered), Identity.unreachable == False)  # noqa: E712
            )).all()
            for identity, person in rows:
                target = dm_target(identity)
                if target is None:
                    continue
                tz = zone(person.timezone or p.timezone)
                await self.enqueue(f"round-reminder:{round_.id}:{person.id}", platform=identity.platform,
                                   workspace=identity.workspace, channel=target, kind="round_reminder",
                                   params={"round_id": round_.id, "person_id": person.id}, partnership_id=p.id,
                                   not_before=send_time(self.now, QuietHours.parse(p.quiet_hours), tz, person.snoozed_until))

    # ---- nudges

    async def nudges(self) -> None:
        """Nudge the members of organisations whose contact is overdue; tell coordinators after two intervals."""
        targets = await due_nudge_targets(self.session, self.now)
        due = await due_organisations(self.session, self.now)
        partnerships = {p.id: p for p in (await self.session.exec(
            select(Partnership).where(col(Partnership.id).in_({d.partnership_id for d in due})))).all()}
        by_org = {d.organisation_id: d for d in due}
        for target in targets:
            org = by_org.get(target.organisation_id)
            if org is None:
                continue
            p = partnerships[org.partnership_id]
            tz = zone(target.timezone or p.timezone)
            await self.enqueue(
                f"nudge:{org.organisation_id}:{org.contact_due_at:%Y%m%d%H%M}:{target.identity_id}",
                platform=target.platform, workspace=target.workspace, channel=target.channel, kind="nudge",
                params={"organisation_id": org.organisation_id, "person_id": target.person_id,
                        "due": org.contact_due_at.isoformat()},
                partnership_id=p.id, not_before=send_time(self.now, QuietHours.parse(p.quiet_hours), tz,
                                                          target.snoozed_until),
            )
        for org in due:
            p = partnerships[org.partnership_id]
            action, next_at = nudge_step(org.contact_due_at, org.next_nudge_at, interval(p.contact_frequency), self.now)
            if action == "escalate":
                for binding in await bindings(self.session, p.id, "coordinators"):  # type: ignore[arg-type]
                    await self.enqueue(
                        f"escalate:{org.organisation_id}:{org.contact_due_at:%Y%m%d%H%M}:{binding.id}",
                        platform=binding.platform, workspace=binding.workspace, channel=binding.channel,
                        kind="escalation", params={"organisation_id": org.organisation_id, "lang": p.lang},
                        partnership_id=p.id,
                    )
            await advance_nudge_clock(self.session, org.organisation_id, next_at)

    # ---- actions

    async def action_reminders(self) -> None:
        """Once per action and due date, remind its owners when it has passed (after quiet hours and snoozes)."""
        partnerships: dict[int, Partnership] = {}
        for action in await overdue_actions(self.session, (self.now + timedelta(days=1)).date()):
            p = partnerships.get(action.partnership_id) or await self.session.get(Partnership, action.partnership_id)
            assert p is not None and action.due_on is not None
            partnerships[action.partnership_id] = p
            if action.due_on >= actions.local_today(p, self.now):
                continue
            for person in await actions.owners_of(self.session, action):
                identities = (await self.session.exec(select(Identity).where(
                    Identity.person_id == person.id, Identity.unreachable == False))).all()  # noqa: E712
                for identity in identities:
                    target = dm_target(identity)
                    if target is None or person.consent_at is None:
                        continue
                    tz = zone(person.timezone or p.timezone)
                    await self.enqueue(
                        f"action-overdue:{action.id}:{action.due_on.isoformat()}:{identity.id}",
                        platform=identity.platform, workspace=identity.workspace, channel=target,
                        kind="action_reminder", params={"action_id": action.id, "person_id": person.id,
                                                        "due": action.due_on.isoformat()},
                        partnership_id=p.id, not_before=send_time(self.now, QuietHours.parse(p.quiet_hours), tz,
                                                                  person.snoozed_until))

    # ---- summaries

    async def summary(self, p: Partnership, occasion: str | None = None) -> None:
        """The weekly coordinator summary (the latest one due, once), into the coordinators' channels."""
        tz = zone(p.timezone)
        due = summary_due(self.now, p.summary_day, parse_clock(p.summary_time), tz)
        if occasion is None and due < p.created_at:
            return
        tag = occasion or summary_week(due, tz)  # one a week, even when the day is changed after it went out
        await round_lifecycle.post_summary(self.session, p, tag, self.enqueue)


async def run_tick(db: Database, now: datetime | None = None, *, dry_run: bool = False,
                   look: Callable[[AsyncSession, list[Planned]], Awaitable[None]] | None = None) -> list[Planned]:
    """One tick in one transaction; a dry run rolls back and only reports (``look`` sees its decisions first)."""
    async with db.session() as session:
        if not await try_lock_for_transaction(session, SCHEDULER_LOCK):
            log.info("another scheduler is ticking; this one waits for the next minute")
            return []
        planner = Planner(session, now or utcnow())
        planned = await planner.tick()
        if dry_run:
            if look is not None:
                await look(session, planned)
            await session.rollback()
        else:
            await session.commit()
        return planned


class Scheduler:
    """Runs ticks every minute with APScheduler (the first at start, catching up on downtime)."""

    def __init__(self, db: Database, after_tick: object = None, seconds: int = TICK_SECONDS) -> None:
        self.db = db
        self.after_tick = after_tick
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._ticking: asyncio.Task | None = None
        self.scheduler.add_job(self._tick, "interval", seconds=seconds, next_run_time=datetime.now().astimezone(),
                               coalesce=True, max_instances=1, misfire_grace_time=None, id="samson-tick")

    async def _tick(self) -> None:
        self._ticking = asyncio.current_task()
        try:
            planned = await run_tick(self.db)
        except Exception:
            log.exception("scheduler tick failed")
            return
        finally:
            self._ticking = None
        if planned and callable(self.after_tick):
            self.after_tick()

    def start(self) -> None:
        """Start ticking (needs a running event loop)."""
        self.scheduler.start()

    async def stop(self, timeout: float = 20.0) -> None:
        """Stop ticking; a tick under way finishes first (up to ``timeout`` s), so the database stays open for it."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        if self._ticking is not None:
            await asyncio.wait({self._ticking}, timeout=timeout)
        self.scheduler.shutdown(wait=False)
