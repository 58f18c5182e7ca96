"""Opening, closing and publishing rounds: one place for chat commands, the CLI and the scheduler.

Closing a round publishes its group result through the disclosure gate and decides
what follows into the outbox: the chart for the partners' channels and the
coordinator summary (SAMSON), or the dialogue digest (check-ins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions, publishing
from bot.invitations import Enqueue, default_enqueue, invite_members
from core.instrument import InstrumentError, load_instrument
from core.schedule import month_key, period_of, zone
from storage import rounds
from storage.channels import bindings
from storage.models import Partnership, Publication, Round, utcnow
from storage.rounds import RoundError, count_completed

__all__ = ["Closed", "RoundError", "close", "open_", "publish_interim"]


async def open_(
    session: AsyncSession, partnership: Partnership, instrument_id: str = "samson", *, title: str | None = None,
    audience: str = "all", enqueue: Enqueue | None = None, **schedule: object,
) -> tuple[Round, int]:
    """Open a round and invite its members; returns the round and how many were invited.

    ``schedule`` is ``opened_at``, ``closes_at`` and ``period`` for scheduled rounds (check-ins).
    """
    if instrument_id == "checkin" and "closes_at" not in schedule:  # opened by hand: the agreed window still applies
        schedule = {**schedule, **await _checkin_window(session, partnership)}
    residents = _residents_instrument(instrument_id, audience)
    if residents and audience == "residents":  # residents only: their own instrument, nothing for partners
        instrument_id, residents = residents, None
    main_audience = "partners" if residents else audience
    if residents:  # both parts open, or neither: the residents' part is checked before anything is written
        await rounds.refuse_if_open(session, partnership, residents)
    round_ = await rounds.open_round(session, partnership, instrument_id, title=title, audience=main_audience,
                                     **schedule)  # type: ignore[arg-type]
    invited = await invite_members(session, round_, enqueue)
    if residents:
        companion = await rounds.open_round(session, partnership, residents, title=round_.title, audience="residents",
                                            parent=round_)
        invited += await invite_members(session, companion, enqueue)
    return round_, invited


async def _checkin_window(session: AsyncSession, partnership: Partnership) -> dict[str, object]:
    """A check-in opened by hand closes (with its reminder and digest) after the partnership's window, and
    counts as this month's, so the scheduler does not open a second one (if this month has none yet)."""
    now = utcnow()
    period = period_of(*month_key(now, zone(partnership.timezone)))
    taken = await rounds.checkin_of_period(session, partnership.id, period)  # type: ignore[arg-type]
    return {"opened_at": now, "closes_at": now + timedelta(days=partnership.checkin_window_days),
            "period": None if taken else period}


def _residents_instrument(instrument_id: str, audience: str) -> str | None:
    """The instrument residents answer in a round of ``instrument_id`` for them, if it has one of its own."""
    if audience not in ("all", "residents"):
        return None
    companion = load_instrument(instrument_id).for_residents
    if companion is None:
        return None
    try:
        load_instrument(companion)
    except InstrumentError:
        return None
    return companion


@dataclass(frozen=True)
class Closed:
    """A closed round: how many completed, what was published, how many messages follow."""

    round: Round
    completed: int
    publication: Publication
    shown: bool
    """Whether the publication shows any figure (else every one was withheld, with reasons)."""
    messages: int


async def close(
    session: AsyncSession, partnership: Partnership, round_: Round, *, enqueue: Enqueue | None = None
) -> Closed:
    """Close a round (and its residents' companion), publish the results and decide the messages that follow."""
    send = default_enqueue(session, enqueue)
    messages = 0
    for companion in await rounds.companions(session, round_):
        if companion.status == "open":
            await rounds.close_round(session, companion)
            own = await publishing.publish(session, partnership, companion, "closed")
            if own is not None:  # the residents' own result, in their channels
                messages += await publishing.announce(session, partnership, companion, own, send)
    await rounds.close_round(session, round_)
    publication = await publishing.publish(session, partnership, round_, "closed")
    assert publication is not None
    shown = publishing.snapshot_of(publication).any_shown
    if round_.instrument_id == "checkin":
        await actions.from_checkin(session, partnership, round_)
        for binding in await bindings(session, partnership.id, "partners"):  # type: ignore[arg-type]
            messages += await send(f"digest:{round_.id}:{binding.id}", platform=binding.platform,
                                   workspace=binding.workspace, channel=binding.channel, kind="checkin_digest",
                                   params={"round_id": round_.id, "lang": partnership.lang}, partnership_id=partnership.id)
    else:
        messages += await publishing.announce(session, partnership, round_, publication, send)
        messages += await post_summary(session, partnership, f"round-{round_.id}", send)
    done = await count_completed(session, round_.id)  # type: ignore[arg-type]
    return Closed(round_, done, publication, shown, messages)


async def publish_interim(
    session: AsyncSession, partnership: Partnership, round_: Round
) -> tuple[Publication | None, int]:
    """An interim result of an open round, if the gate lets anything through; returns it and the messages."""
    publication = await publishing.publish(session, partnership, round_, "interim")
    if publication is None:
        return None, 0
    return publication, await publishing.announce(session, partnership, round_, publication)


async def post_summary(session: AsyncSession, partnership: Partnership, occasion: str,
                       enqueue: Enqueue | None = None) -> int:
    """Decide a coordinator summary for the coordinators' channels (once per occasion)."""
    send = default_enqueue(session, enqueue)
    count = 0
    for binding in await bindings(session, partnership.id, "coordinators"):  # type: ignore[arg-type]
        count += await send(
            f"summary:{partnership.id}:{occasion}:{binding.id}", platform=binding.platform,
            workspace=binding.workspace, channel=binding.channel, kind="summary",
            params={"partnership_id": partnership.id, "lang": partnership.lang, "occasion": occasion},
            partnership_id=partnership.id,
        )
    return count
