"""Inviting members to an open round, and reminding them before a check-in closes.

Invitations are decided into the outbox under unique keys; the composers here turn
a row into the message at send time, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.events import Choice, Reply
from core.i18n import DEFAULT_LANGUAGE, day_and_time, language_from_hint, t
from core.instrument import Instrument, load_instrument
from core.roles import may_answer
from core.schedule import zone
from storage import outbox
from storage.models import Identity, Membership, Partnership, Person, Response, Round, RoundStatus

SECONDS_PER_ITEM = 12
Enqueue = Callable[..., Awaitable[bool]]
"""``enqueue(key, platform=…, workspace=…, channel=…, kind=…, params=…, partnership_id=…)``."""


def default_enqueue(session: AsyncSession, enqueue: Enqueue | None) -> Enqueue:
    """The given enqueue (a scheduler's planner, for dry runs) or the outbox's."""
    return enqueue or partial(outbox.enqueue, session)


def minutes(instrument: Instrument) -> int:
    """About how long the instrument takes: as its data says, or from its number of questions (at least 2: the
    texts say "about {n} minutes", and a short check-in takes a minute or two)."""
    return instrument.minutes or max(2, len(instrument.items) * SECONDS_PER_ITEM // 60)


def dm_target(identity: Identity) -> str | None:
    """Where to reach a person privately: the known DM chat, or on Slack the user id itself."""
    if identity.unreachable:
        return None
    if identity.dm_channel:
        return identity.dm_channel
    return identity.user_id if identity.platform == "slack" else None


async def invite_members(session: AsyncSession, round_: Round, enqueue: Enqueue | None = None) -> int:
    """Decide a private message to every eligible member about an open round; returns how many."""
    send = default_enqueue(session, enqueue)
    query = (
        select(Membership, Identity)
        .join(Identity, Identity.person_id == Membership.person_id)
        .where(Membership.partnership_id == round_.partnership_id)
        .order_by(Identity.id)
    )
    rows = []
    for membership, identity in (await session.exec(query)).all():
        target = dm_target(identity)
        if target is None or not may_answer(membership.role, round_.audience, round_.parent_round_id is not None,
                                            organisation=membership.organisation_id is not None):
            continue
        rows.append(dict(
            key=f"round-invite:{round_.id}:{identity.id}", platform=identity.platform, workspace=identity.workspace,
            channel=target, kind="round_invite", params={"round_id": round_.id, "person_id": membership.person_id},
            partnership_id=round_.partnership_id,
        ))
    if enqueue is None:  # one statement per thousand, not one per member
        return await outbox.enqueue_many(session, rows)
    count = 0
    for row in rows:
        count += await send(row.pop("key"), **row)
    return count


def local_time(round_: Round, partnership: Partnership, person: Person | None, lang: str) -> str:
    """When a check-in closes, in the reader's time zone and language."""
    assert round_.closes_at is not None
    tz = zone((person.timezone if person else None) or partnership.timezone)
    return day_and_time(lang, round_.closes_at.astimezone(tz))


async def compose_invite(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The invitation to a round ([] once the round closed)."""
    round_ = await session.get(Round, params["round_id"])
    person = await session.get(Person, params["person_id"])
    if round_ is None or person is None or round_.status != RoundStatus.open.value:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    lang = person.lang or language_from_hint(hint) or params.get("lang") or DEFAULT_LANGUAGE
    if round_.instrument_id == "checkin" and round_.closes_at is not None:
        text = t(lang, "checkin.invite", partnership=partnership.name, closes=local_time(round_, partnership, person, lang))
    else:
        instrument = load_instrument(round_.instrument_id, round_.instrument_version)
        text = t(lang, "round.invite", partnership=partnership.name, title=round_.title, count=len(instrument.items),
                 minutes=minutes(instrument))
    return [Reply(text=text, choices=(Choice(f"/resume {round_.id}", t(lang, "round.start")),))]


async def compose_reminder(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The reminder before a check-in closes ([] if the person answered meanwhile)."""
    round_ = await session.get(Round, params["round_id"])
    person = await session.get(Person, params["person_id"])
    if round_ is None or person is None or round_.status != RoundStatus.open.value:
        return []
    done = (await session.exec(select(Response.id).where(
        Response.round_id == round_.id, Response.person_id == person.id,
        col(Response.completed_at).is_not(None)))).first()
    if done:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    lang = person.lang or language_from_hint(hint) or DEFAULT_LANGUAGE
    text = t(lang, "checkin.reminder", partnership=partnership.name, closes=local_time(round_, partnership, person, lang))
    return [Reply(text=text, choices=(Choice(f"/resume {round_.id}", t(lang, "round.start")),))]


async def compose_round_reminder(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The one reminder about an open round, with a button to stop reminders ([] if answered, closed or stopped)."""
    round_ = await session.get(Round, params["round_id"])
    person = await session.get(Person, params["person_id"])
    if round_ is None or person is None or round_.status != RoundStatus.open.value or person.reminders_off:
        return []
    done = (await session.exec(select(Response.id).where(
        Response.round_id == round_.id, Response.person_id == person.id,
        col(Response.completed_at).is_not(None)))).first()
    if done:
        return []
    lang = person.lang or language_from_hint(hint) or DEFAULT_LANGUAGE
    count = len(load_instrument(round_.instrument_id, round_.instrument_version).items)
    return [Reply(text=t(lang, "reminder.round", title=round_.title, count=count),
                  choices=(Choice(f"/resume {round_.id}", t(lang, "round.start")),
                           Choice("/reminders off", t(lang, "reminder.stop"))))]
