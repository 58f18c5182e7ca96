"""/results (my own profile) and /group (the partnership's profile)."""

from __future__ import annotations

from sqlmodel import col, select

from bot.flows import samson
from bot.turn import Turn
from storage.models import Response, Round
from storage.partnerships import NotFound
from storage.rounds import get_round


async def mine(turn: Turn, args: str) -> None:
    """The person's latest SAMSON profile, privately."""
    query = (
        select(Response)
        .join(Round, Round.id == Response.round_id)
        .where(Response.person_id == turn.person.id, Round.instrument_id == "samson")
        .order_by(col(Response.completed_at).is_(None), col(Response.id).desc())
    )
    response = (await turn.session.exec(query)).first()
    if response is None:
        turn.say(turn.t("results.none"))
        return
    field_id = samson.field_by_number(turn, args) if args else None
    if args and field_id is None:
        return
    await samson.show_personal(turn, response, field_id)


async def group(turn: Turn, args: str) -> None:
    """The latest SAMSON round's group profile (``/group 3``: field 3), if at least k have completed."""
    partnership = await turn.partnership()
    if partnership is None:
        turn.say(turn.t("not_member"))
        return
    field_id = samson.field_by_number(turn, args) if args else None
    if args and field_id is None:
        return
    try:
        round_ = await get_round(turn.session, partnership)
    except NotFound:
        turn.say(turn.t("group.none"))
        return
    await samson.show_group(turn, partnership, round_, field_id)
