"""SAMSON results in conversation: a person's own profile and the group's profile.

Charts are rendered in a worker thread so the event loop keeps acking other requests.
"""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.events import Reply
from bot.flows.announce import post_group_chart
from bot.turn import Turn
from core.i18n import t
from core.instrument import load_instrument
from core.report import drilldown_chart, group_chart, group_summary, person_charts
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
        if await post_group_chart(turn.session, partnership, round_, "k-reached"):
            turn.outbox_written = True
    else:
        turn.say(turn.t("round.group_waiting", k=partnership.k_threshold, n=done))


def field_by_number(turn: Turn, arg: str) -> str | None:
    """The field id for '1'–'7'; says what is accepted and returns None for anything else."""
    fields = load_instrument("samson").fields
    if arg.isdigit() and 1 <= int(arg) <= len(fields):
        return fields[int(arg) - 1].id
    listing = "; ".join(f"{i} = {f.title.get(turn.lang)}" for i, f in enumerate(fields, start=1))
    turn.say(turn.t("results.field_help", n=len(fields), fields=listing), is_error=True)
    return None


async def show_personal(turn: Turn, response: Response, field_id: str | None = None) -> None:
    """The person's own spider chart (or one field's drill-down) and its text; always private."""
    round_ = await turn.session.get(Round, response.round_id)
    assert round_ is not None
    instrument = load_instrument(round_.instrument_id)
    profile = person_profile(instrument, await load_answers(turn.session, response.id))  # type: ignore[arg-type]
    lead = turn.t("results.mine")
    if response.completed_at is None:
        lead += " " + turn.t("results.partial")
    if field_id:
        charts = [await asyncio.to_thread(
            drilldown_chart, instrument, turn.lang, field_id, profile.statements, profile.statement_weights)]
    else:
        charts = await asyncio.to_thread(person_charts, instrument, profile, turn.lang)
    for chart in charts:
        turn.say(lead, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, private=True)
        turn.say(chart.alt_text, private=True)
    if not field_id:
        turn.say(turn.t("results.drilldown_hint"), private=True)


async def group_profile(session: AsyncSession, round_: Round, k: int) -> GroupProfile | Withheld:
    """The aggregate of a round's completed responses, withheld below ``k``."""
    instrument = load_instrument(round_.instrument_id)
    rows = await completed_answers(session, round_)
    return aggregate([(person_profile(instrument, answers), kind) for answers, kind in rows], k)


async def show_group(turn: Turn, partnership: Partnership, round_: Round, field_id: str | None = None) -> None:
    """The group chart (previous round dashed) with its summary, or why it is withheld."""
    turn.replies.extend(await group_replies(turn.session, partnership, round_, turn.lang, field_id))


async def group_replies(
    session: AsyncSession, partnership: Partnership, round_: Round, lang: str, field_id: str | None = None
) -> list[Reply]:
    """The group chart and its text summary in a thread, or a note that it is withheld below k."""
    k = partnership.k_threshold
    group = await group_profile(session, round_, k)
    if isinstance(group, Withheld):
        return [Reply(text=t(lang, "round.group_waiting", k=k, n=group.n))]
    instrument = load_instrument(round_.instrument_id)
    title = t(lang, "chart.group_title", partnership=partnership.name, round=round_.title)
    if field_id:
        means = {i: st.mean for i, st in group.statements.items()}
        weights = {i: st.mean for i, st in group.statement_weights.items()}
        chart = await asyncio.to_thread(
            drilldown_chart, instrument, lang, field_id, means, weights, f"samson-group-{field_id}.png")
        return [
            Reply(title, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, private=False),
            Reply(chart.alt_text, private=False),
        ]
    previous = None
    before = await previous_round(session, round_)
    if before is not None:
        old = await group_profile(session, before, k)
        previous = old if isinstance(old, GroupProfile) else None
    chart = await asyncio.to_thread(group_chart, instrument, group, lang, title, previous)
    key = f"group-{round_.id}"
    summary = chart.alt_text + "\n\n" + group_summary(instrument, group, lang, k, previous)
    return [
        Reply(title, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, key=key, private=False),
        Reply(summary, thread=key, private=False),
    ]
