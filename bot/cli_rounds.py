"""Which round a ``samson`` command means when none is named, and ``round status`` as text."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from core.roles import RESIDENT, may_answer
from storage.models import Partnership, Round
from storage.partnerships import NotFound
from storage.rounds import companions, participation, rounds_newest_first


async def current_round(session: AsyncSession, partnership: Partnership) -> Round:
    """The newest open round (a residents' companion counts as its partners' round), else the newest round."""
    for round_ in await rounds_newest_first(session, partnership):
        if round_.parent_round_id is None:
            return round_
    raise NotFound(f"no round in {partnership.slug}")


async def residents_round(session: AsyncSession, partnership: Partnership) -> Round:
    """The newest open round that residents answer, else the newest such round."""
    for round_ in await rounds_newest_first(session, partnership):
        if may_answer(RESIDENT, round_.audience, round_.parent_round_id is not None):
            return round_
    raise NotFound(f"no round for residents in {partnership.slug} (open one with: samson round open {partnership.slug})")


async def status_lines(session: AsyncSession, round_: Round) -> list[str]:
    """Who has responded in a round and its residents' companion, by organisation (never what they answered)."""
    lines: list[str] = []
    for shown in [round_, *await companions(session, round_)]:
        orgs = await participation(session, shown)
        kind = "Residents' round" if shown.parent_round_id else "Round"
        lines.append(f"{kind} {shown.number} '{shown.title}' (id {shown.id}, {shown.instrument_id}, {shown.status}):")
        for org in orgs:
            name = "No organisation" if org.organisation == "—" else org.organisation
            lines.append(f"  {name} [{org.kind}]: {_of(len(org.completed), org.members)} completed, "
                         f"{len(org.in_progress)} in progress")
            if org.completed:
                lines.append(f"    completed: {', '.join(org.completed)}")
            if org.in_progress:
                lines.append(f"    in progress: {', '.join(org.in_progress)}")
        lines.append(f"  Total: {_of(sum(len(o.completed) for o in orgs), sum(o.members for o in orgs))} completed")
    return lines


def _of(done: int, members: int) -> str:
    """``2 of 3 members``; just ``2`` where none are expected (e.g. a coordinator who answered)."""
    return f"{done} of {members} members" if members else str(done)
