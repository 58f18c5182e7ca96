"""SAMSON results in conversation: a person's own profile and the group's profile."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.turn import Turn
from core.i18n import t
from core.instrument import load_instrument
from core.report import group_chart, group_summary, person_charts
from core.scoring import GroupProfile, Withheld, aggregate, person_profile
from storage.models import Partnership, Response, Round
from storage.rounds import completed_answers, count_completed, load_answers, previous_round


async def on_completed(turn: Turn, round_: Round, response: Response) -> None:
    """After the last statement: the person's own chart, then the group's status."""
    await show_personal(turn, response)
    partnership = await turn.session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    done = await count_completed(turn.session, round_.id)  # type: ignore[arg-type]
    if done >= partnership.k_threshold:
        turn.say(turn.t("round.group_ready", n=done))
        await show_group(turn, partnership, round_)
    else:
        turn.say(turn.t("round.group_waiting", k=partnership.k_threshold, n=done))


async def show_personal(turn: Turn, response: Response) -> None:
    """The person's own spider chart and its text; only ever sent privately."""
    round_ = await turn.session.get(Round, response.round_id)
    assert round_ is not None
    instrument = load_instrument(round_.instrument_id)
    profile = person_profile(instrument, await load_answers(turn.session, response.id))  # type: ignore[arg-type]
    lead = turn.t("results.mine")
    if response.completed_at is None:
        lead += " " + turn.t("results.partial")
    for chart in person_charts(instrument, profile, turn.lang):
        turn.say(lead, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, private=True)
        turn.say(chart.alt_text, private=True)


async def group_profile(session: AsyncSession, round_: Round, k: int) -> GroupProfile | Withheld:
    """The aggregate of a round's completed responses, withheld below ``k``."""
    instrument = load_instrument(round_.instrument_id)
    rows = await completed_answers(session, round_)
    return aggregate([(person_profile(instrument, answers), kind) for answers, kind in rows], k)


async def show_group(turn: Turn, partnership: Partnership, round_: Round) -> None:
    """The group chart (previous round dashed) with its summary, or why it is withheld."""
    k = partnership.k_threshold
    group = await group_profile(turn.session, round_, k)
    if isinstance(group, Withheld):
        turn.say(turn.t("round.group_waiting", k=k, n=group.n))
        return
    previous = None
    before = await previous_round(turn.session, round_)
    if before is not None:
        old = await group_profile(turn.session, before, k)
        previous = old if isinstance(old, GroupProfile) else None
    instrument = load_instrument(round_.instrument_id)
    title = t(turn.lang, "chart.group_title", partnership=partnership.name, round=round_.title)
    chart = group_chart(instrument, group, turn.lang, title, previous)
    key = f"group-{round_.id}"
    turn.say(title, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, key=key, private=False)
    summary = chart.alt_text + "\n\n" + group_summary(instrument, group, turn.lang, k, previous)
    turn.say(summary, thread=key, private=False)
