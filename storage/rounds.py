"""Rounds, responses and answers: opening, answering, participation and results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Exists, Table, bindparam, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.flow import Answer as FlowAnswer
from core.flow import FlowState
from core.i18n import LocalizedError
from core.instrument import load_instrument
from core.roles import SESSION, may_answer
from storage.db import execute, upsert
from storage.models import (
    ActionIdea,
    Answer,
    Membership,
    Organisation,
    Partnership,
    Person,
    Response,
    Round,
    RoundStatus,
    utcnow,
)
from storage.partnerships import NotFound

# Built once: each runs on every tap.
_answer: Table = Answer.__table__  # type: ignore[attr-defined]
_response: Table = Response.__table__  # type: ignore[attr-defined]
_ANSWERS = select(_answer.c.item_id, _answer.c.number, _answer.c.text).where(_answer.c.response_id == bindparam("response"))
_ADVANCE = (
    update(_response)
    .where(_response.c.id == bindparam("response"), _response.c.position == bindparam("seen_position"),
           _response.c.awaiting_idea == bindparam("seen_idea"), _response.c.choosing_sharing == bindparam("seen_sharing"),
           _response.c.completed_at.is_(None))
    .values(position=bindparam("position"), awaiting_idea=bindparam("awaiting_idea"),
            choosing_sharing=bindparam("choosing_sharing"), updated_at=bindparam("updated_at"))
)
_CONTEXT = (
    select(Response, Round, Organisation)
    .join(Round, Round.id == Response.round_id)
    .join(Organisation, Organisation.id == Response.organisation_id, isouter=True)
    .where(Response.id == bindparam("response"))
)


class RoundError(LocalizedError):
    """A round operation that cannot be done (e.g. one is already open)."""


async def refuse_if_open(session: AsyncSession, partnership: Partnership, instrument_id: str) -> None:
    """Raise ``round.err.already_open`` when a round of the instrument is open (one per instrument at a time)."""
    current = await open_rounds(session, partnership.id, instrument_id)  # type: ignore[arg-type]
    if current:
        raise RoundError("round.err.already_open", number=current[0].number, title=current[0].title,
                         instrument=load_instrument(instrument_id).title)


async def open_round(
    session: AsyncSession, partnership: Partnership, instrument_id: str = "samson",
    *, title: str | None = None, audience: str = "all", opened_at: datetime | None = None,
    closes_at: datetime | None = None, period: str | None = None, parent: Round | None = None,
) -> Round:
    """Open a new round of an instrument; only one may be open per instrument.

    Scheduled rounds (check-ins) give the window's close and their ``period`` (one round per period).
    """
    instrument = load_instrument(instrument_id)
    if instrument.audience == "partners":  # e.g. the partner survey: residents are never invited
        if audience == "residents":
            raise RoundError("round.err.partners_only", instrument=instrument.title)
        audience = "partners"
    if instrument.audience == "residents":
        audience = "residents"
    if audience != SESSION:  # a live dialogue session may run beside an open round
        await refuse_if_open(session, partnership, instrument_id)
    last = (
        await session.exec(
            select(func.max(Round.number)).where(
                Round.partnership_id == partnership.id, Round.instrument_id == instrument_id
            )
        )
    ).one()
    number = (last or 0) + 1
    round_ = Round(
        partnership_id=partnership.id,
        instrument_id=instrument_id,
        instrument_version=instrument.version,
        number=number,
        title=title or instrument.title.get(partnership.lang).split(" –")[0] + f" #{number}",
        audience=audience,
        opened_at=opened_at or utcnow(),
        closes_at=closes_at,
        period=period,
        parent_round_id=parent.id if parent else None,
    )
    session.add(round_)
    await session.flush()
    return round_


async def checkin_of_period(session: AsyncSession, partnership_id: int, period: str) -> int | None:
    """The id of the partnership's check-in for ``period`` (e.g. '2027-02'), if one was opened."""
    return (await session.exec(select(Round.id).where(
        Round.partnership_id == partnership_id, Round.instrument_id == "checkin", Round.period == period))).first()


async def previous_checkin_close(session: AsyncSession, round_: Round) -> datetime | None:
    """When the partnership's check-in before ``round_`` closed (its digest went out), if there was one."""
    return (await session.exec(select(Round.closed_at).where(
        Round.partnership_id == round_.partnership_id, Round.instrument_id == "checkin", Round.id != round_.id,
        col(Round.closed_at).is_not(None), col(Round.closed_at) < (round_.closed_at or utcnow()))
        .order_by(col(Round.closed_at).desc()))).first()


async def open_rounds(session: AsyncSession, partnership_id: int, instrument_id: str | None = None,
                      *, sessions: bool = False) -> list[Round]:
    """Open rounds of a partnership, oldest first; a live dialogue session's round only with ``sessions``."""
    query = select(Round).where(Round.partnership_id == partnership_id, Round.status == RoundStatus.open.value)
    if not sessions:
        query = query.where(Round.audience != SESSION)
    if instrument_id:
        query = query.where(Round.instrument_id == instrument_id)
    return list((await session.exec(query.order_by(Round.id))).all())


async def get_round(session: AsyncSession, partnership: Partnership, ref: str | None = None) -> Round:
    """A round of the partnership: by id, ``#N`` (SAMSON round N), or an instrument's name (``survey``: its
    newest round); the latest SAMSON round when ``ref`` is None. An unknown reference lists the rounds."""
    query = select(Round).where(Round.partnership_id == partnership.id)
    ref = ref.strip() if ref else None
    if ref is None:
        query = query.where(Round.instrument_id == "samson").order_by(col(Round.id).desc())
    elif ref.startswith("#") and ref[1:].isdigit():
        query = query.where(Round.number == int(ref[1:]), Round.instrument_id == "samson")
    elif ref.isdigit():
        query = query.where(Round.id == int(ref))
    else:
        query = query.where(Round.instrument_id == ref.lower()).order_by(col(Round.id).desc())
    found = (await session.exec(query)).first()
    if found is None:
        known = (await session.exec(select(Round).where(Round.partnership_id == partnership.id)
                                    .order_by(col(Round.id).desc()).limit(10))).all()
        listing = "; ".join(f"{r.id} = {r.title} ({r.instrument_id}, {r.status})" for r in known) or "none yet"
        raise NotFound(f"no round '{ref}' in {partnership.slug}: give a round id, #N for SAMSON round N, or "
                       f"an instrument (samson, survey, residents). Rounds: {listing}" if ref else
                       f"no SAMSON round in {partnership.slug} yet. Rounds: {listing}")
    return found


async def close_round(session: AsyncSession, round_: Round) -> Round:
    """Close a round; answers are no longer accepted."""
    if round_.status == RoundStatus.closed.value:
        raise RoundError("round.err.already_closed", number=round_.number)
    round_.status = RoundStatus.closed.value
    round_.closed_at = utcnow()
    session.add(round_)
    await session.flush()
    return round_


async def previous_round(session: AsyncSession, round_: Round) -> Round | None:
    """The round of the same instrument before this one."""
    query = (
        select(Round)
        .where(
            Round.partnership_id == round_.partnership_id,
            Round.instrument_id == round_.instrument_id,
            Round.number < round_.number,
        )
        .order_by(col(Round.number).desc())
    )
    return (await session.exec(query)).first()


async def latest_response(session: AsyncSession, person_id: int, instrument_ids: tuple[str, ...]) -> Response | None:
    """A person's newest response to any of the instruments, completed ones first."""
    query = (
        select(Response)
        .join(Round, Round.id == Response.round_id)
        .where(Response.person_id == person_id, col(Round.instrument_id).in_(instrument_ids))
        .order_by(col(Response.completed_at).is_(None), col(Response.id).desc())
    )
    return (await session.exec(query)).first()


async def get_or_create_response(session: AsyncSession, round_: Round, person_id: int) -> Response:
    """The person's response to the round, created on first use."""
    query = select(Response).where(Response.round_id == round_.id, Response.person_id == person_id)
    response = (await session.exec(query)).first()
    if response is None:
        membership = (
            await session.exec(
                select(Membership).where(
                    Membership.person_id == person_id, Membership.partnership_id == round_.partnership_id
                )
            )
        ).first()
        response = Response(
            round_id=round_.id, person_id=person_id,
            organisation_id=membership.organisation_id if membership else None,
        )
        session.add(response)
        await session.flush()
    return response


async def load_answers(session: AsyncSession, response_id: int) -> dict[str, FlowAnswer]:
    """A response's answers, as the flow engine sees them (plain rows, no ORM objects: read on every tap)."""
    rows = await execute(session, _ANSWERS, {"response": response_id})
    return {item_id: FlowAnswer(number, text) for item_id, number, text in rows}


async def save_answer(session: AsyncSession, response_id: int, item_id: str, answer: FlowAnswer) -> None:
    """Store an answer in one statement, replacing an earlier answer to the item."""
    await upsert(session, Answer, ("response_id", "item_id"),
                 dict(response_id=response_id, item_id=item_id, number=answer.number, text=answer.text,
                      answered_at=utcnow()),
                 update=("number", "text", "answered_at"))


async def answer_rows(session: AsyncSession, response_id: int) -> list[Answer]:
    """A response's answer rows."""
    return list((await session.exec(select(Answer).where(Answer.response_id == response_id))).all())


async def advance_response(
    session: AsyncSession, response: Response, seen: FlowState, new: FlowState, completed: bool
) -> bool:
    """Move a response from the state its input saw to ``new``; False if it was no longer there.

    One guarded ``UPDATE … WHERE position = :seen …``: of two concurrent taps on the same
    question (in one process or on two workers) exactly one moves it on.
    """
    now = utcnow()
    values: dict[str, object] = dict(position=new.position, awaiting_idea=new.awaiting_idea,
                                     choosing_sharing=new.choosing_sharing, updated_at=now)
    if completed:
        values["completed_at"] = now
    guard = {"response": response.id, "seen_position": seen.position, "seen_idea": seen.awaiting_idea,
             "seen_sharing": seen.choosing_sharing}
    result = await execute(session, _ADVANCE.values(completed_at=bindparam("completed_at")) if completed else _ADVANCE,
                           guard | values)
    if not result.rowcount:
        return False
    for name, value in values.items():  # the loaded row now matches the database, without another UPDATE
        set_committed_value(response, name, value)
    return True


async def response_context(
    session: AsyncSession, response_id: int
) -> tuple[Response, Round, Organisation | None] | None:
    """A response with its round and organisation, in one query."""
    found = (await session.exec(_CONTEXT, params={"response": response_id})).first()
    return (found[0], found[1], found[2]) if found else None


async def save_idea(session: AsyncSession, response_id: int, item_id: str, text: str) -> None:
    """Store an action idea, replacing an earlier one for the same item."""
    query = select(ActionIdea).where(ActionIdea.response_id == response_id, ActionIdea.item_id == item_id)
    row = (await session.exec(query)).first() or ActionIdea(response_id=response_id, item_id=item_id, text=text)
    row.text, row.sharing, row.created_at = text, None, utcnow()
    session.add(row)
    await session.flush()


async def share_idea(session: AsyncSession, response_id: int, item_id: str, sharing: str) -> None:
    """Record who may see the idea for an item, as its author chose."""
    query = select(ActionIdea).where(ActionIdea.response_id == response_id, ActionIdea.item_id == item_id)
    row = (await session.exec(query)).first()
    if row is not None:
        row.sharing = sharing
        session.add(row)


@dataclass(frozen=True)
class OrgParticipation:
    """Who in one organisation has responded (names only, never answers)."""

    organisation: str
    kind: str
    members: int
    completed: list[str]
    in_progress: list[str]


def _answered() -> Exists:
    """Whether a response has an answer: someone who only looked at the first question has not started."""
    return select(Answer.response_id).where(Answer.response_id == Response.id).exists()


async def participation(session: AsyncSession, round_: Round) -> list[OrgParticipation]:
    """Participation in a round by organisation: names of who completed or started.

    Organisations with nobody expected in the round and no response (the residents in a partners' round) are left out.
    """
    orgs = (
        await session.exec(select(Organisation).where(Organisation.partnership_id == round_.partnership_id))
    ).all()
    members = (  # someone who has not agreed to the terms is not counted, not even as missing
        await session.exec(select(Membership).join(Person, Person.id == Membership.person_id).where(
            Membership.partnership_id == round_.partnership_id, col(Person.consent_at).is_not(None)))
    ).all()
    rows = (
        await session.exec(
            select(Response, Person, _answered()).join(Person, Person.id == Response.person_id).where(
                Response.round_id == round_.id
            )
        )
    ).all()
    result = []
    named = [(o.id, o.name, o.kind) for o in orgs] + [(None, "—", "other")]
    for org_id, name, kind in named:
        done = sorted(p.display_name for r, p, _ in rows if r.organisation_id == org_id and r.completed_at)
        started = sorted(p.display_name for r, p, answered in rows
                         if r.organisation_id == org_id and not r.completed_at and answered)
        count = sum(1 for m in members if m.organisation_id == org_id and may_answer(  # who may answer it
            m.role, round_.audience, round_.parent_round_id is not None, organisation=m.organisation_id is not None)
                    and (round_.closed_at is None or m.joined_at <= round_.closed_at))  # not who joined after the close
        if not (count or done or started):
            continue
        result.append(OrgParticipation(name, kind, count, done, started))
    return result


async def unfinished_count(session: AsyncSession, round_ids: list[int], *, but: int | None = None) -> int:
    """How many responses to these rounds have answers and are not finished (not counting person ``but``)."""
    query = select(func.count()).select_from(Response).where(
        col(Response.round_id).in_(round_ids), col(Response.completed_at).is_(None), _answered())
    if but is not None:
        query = query.where(Response.person_id != but)
    return (await session.exec(query)).one()


async def completed_answers(session: AsyncSession, round_: Round) -> list[tuple[int, dict[str, FlowAnswer], str]]:
    """Each completed response's id, answers and organisation kind, for aggregation."""
    rows = (
        await session.exec(
            select(Response, Organisation.kind)
            .join(Organisation, Organisation.id == Response.organisation_id, isouter=True)
            .where(Response.round_id == round_.id, col(Response.completed_at).is_not(None))
        )
    ).all()
    ids = [r.id for r, _ in rows]
    answers: dict[int, dict[str, FlowAnswer]] = {i: {} for i in ids}  # type: ignore[misc]
    if ids:
        for a in (await session.exec(select(Answer).where(col(Answer.response_id).in_(ids)))).all():
            answers[a.response_id][a.item_id] = FlowAnswer(a.number, a.text)
    return [(r.id, answers[r.id], kind or "other") for r, kind in rows]  # type: ignore[misc,index]


async def count_completed(session: AsyncSession, round_id: int) -> int:
    """How many responses to a round are complete."""
    query = select(func.count()).select_from(Response).where(
        Response.round_id == round_id, col(Response.completed_at).is_not(None)
    )
    return (await session.exec(query)).one()


async def latest_closed_rounds(session: AsyncSession, instrument_id: str) -> list[tuple[Round, Partnership]]:
    """Per partnership, its newest closed round of an instrument (for views across the deployment)."""
    newest = (
        select(Round.partnership_id, func.max(Round.number).label("number"))
        .where(Round.instrument_id == instrument_id, Round.status == RoundStatus.closed.value)
        .group_by(Round.partnership_id)
        .subquery()
    )
    query = (
        select(Round, Partnership)
        .join(newest, (Round.partnership_id == newest.c.partnership_id) & (Round.number == newest.c.number))
        .join(Partnership, Partnership.id == Round.partnership_id)
        .where(Round.instrument_id == instrument_id)
        .order_by(Partnership.name)
    )
    return [(r, p) for r, p in (await session.exec(query)).all()]


async def companions(session: AsyncSession, round_: Round) -> list[Round]:
    """The rounds opened with ``round_`` for residents (their own instrument)."""
    return list((await session.exec(select(Round).where(Round.parent_round_id == round_.id))).all())


async def rounds_newest_first(session: AsyncSession, partnership: Partnership) -> list[Round]:
    """The partnership's rounds, open ones first, newest first; no dialogue sessions, no check-ins."""
    query = select(Round).where(Round.partnership_id == partnership.id, Round.audience != SESSION,
                                Round.instrument_id != "checkin")
    rows = (await session.exec(query.order_by(col(Round.id).desc()))).all()
    return sorted(rows, key=lambda r: r.status != RoundStatus.open.value)  # stable: newest first within each


async def unfinished_response(session: AsyncSession, person_id: int, partnership_id: int) -> tuple[Response, Round] | None:
    """The person's newest unfinished response to an open round of the partnership, with its round."""
    query = (
        select(Response, Round).join(Round, Round.id == Response.round_id)
        .where(Response.person_id == person_id, Round.partnership_id == partnership_id,
               Round.status == RoundStatus.open.value, col(Response.completed_at).is_(None))
        .order_by(col(Response.id).desc())
    )
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found else None
