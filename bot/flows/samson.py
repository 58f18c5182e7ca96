"""SAMSON in conversation: a person's own profile, always private. Group results are published (bot.publishing)."""

from __future__ import annotations

import asyncio

from bot.turn import Turn
from core.instrument import load_instrument
from core.report import drilldown_chart, person_charts
from core.scoring import person_profile
from storage.models import Response, Round
from storage.rounds import load_answers


async def on_completed(turn: Turn, response: Response, thanks: list[str]) -> None:
    """After the last statement: the thanks, the person's own chart and when the group's is published, as one message."""
    await show_personal(turn, response, intro=thanks, outro=turn.t("round.group_on_close"))


def field_by_number(turn: Turn, arg: str, instrument_id: str = "samson", version: int | None = None) -> str | None:
    """The field id for '1'–'7' in that instrument's words; says what is accepted and returns None for anything else."""
    fields = load_instrument(instrument_id, version).fields
    if arg.isdigit() and 1 <= int(arg) <= len(fields):
        return fields[int(arg) - 1].id
    listing = "; ".join(f"{i} = {f.title.get(turn.lang)}" for i, f in enumerate(fields, start=1))
    turn.say(turn.t("results.field_help", n=len(fields), fields=listing), is_error=True)
    return None


async def show_personal(turn: Turn, response: Response, field_id: str | None = None, *,
                        intro: list[str] | None = None, outro: str | None = None) -> None:
    """The person's own spider chart (or one field's drill-down) with its text alternative, only ever to them.

    One message: the chart, with ``intro``, the text alternative and ``outro`` as its text.

    Charts render in a worker thread so the event loop keeps acking other requests.
    """
    audience = turn.personal(rich=True)
    if audience is None:
        turn.say(turn.t("private.open_chat", link=turn.private_link()))
        return
    round_ = await turn.session.get(Round, response.round_id)
    assert round_ is not None
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
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
        parts = [*(intro or []), lead, chart.alt_text]
        if not field_id:
            parts.append(turn.t("results.drilldown_hint"))
        if outro:
            parts.append(outro)
        turn.say("\n\n".join(parts), image=chart.png, image_name=chart.filename, image_alt=chart.alt_text,
                 audience=audience)

