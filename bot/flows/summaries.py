"""The coordinator summary: headline first, the group chart, then the details in its thread."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.compose import composer
from bot.events import Reply
from bot.flows.checkins import checkin_highlight
from bot.flows.samson import group_replies
from core.i18n import DEFAULT_LANGUAGE, t
from core.summary import Health, health_lines, summary_headline
from storage.contacts import contact_health
from storage.models import ActionIdea, Partnership, Response, Round, utcnow
from storage.rounds import count_completed, open_rounds, participation


@composer("summary")
async def _summary(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    partnership = await session.get(Partnership, params["partnership_id"])
    if partnership is None:
        return []
    return await summary_replies(session, partnership, params.get("lang") or DEFAULT_LANGUAGE,
                                 params.get("occasion", ""))


async def summary_replies(session: AsyncSession, partnership: Partnership, lang: str, occasion: str) -> list[Reply]:
    """The summary as replies: the headline (with the chart when at least k completed), details threaded."""
    now = utcnow()
    rounds = await open_rounds(session, partnership.id)  # type: ignore[arg-type]
    part = []
    for round_ in rounds:
        orgs = await participation(session, round_)
        part.append((round_.title, sum(len(o.completed) for o in orgs), sum(o.members for o in orgs)))
    health = [Health(h.organisation, h.days, h.overdue) for h in await contact_health(session, partnership, now)]
    headline = summary_headline(lang, partnership.name, part, sum(h.overdue for h in health))
    if occasion.startswith("round-"):
        closed = await session.get(Round, int(occasion.removeprefix("round-")))
        if closed is not None:
            headline = t(lang, "summary.after_round", title=closed.title, partnership=partnership.name) + " " + headline
    samson = (await session.exec(select(Round).where(
        Round.partnership_id == partnership.id, Round.instrument_id == "samson").order_by(col(Round.id).desc()))).first()
    replies: list[Reply] = []
    details: list[str] = []
    if samson is not None:
        chart = await group_replies(session, partnership, samson, lang)
        if chart and chart[0].image:
            replies.append(Reply(text=headline, image=chart[0].image, image_name=chart[0].image_name,
                                 image_alt=chart[0].image_alt, key="summary", private=False))
            details.append(chart[1].text)
        else:
            done = await count_completed(session, samson.id)  # type: ignore[arg-type]
            details.append(t(lang, "summary.samson_withheld", k=partnership.k_threshold, n=done))
    if not replies:
        replies.append(Reply(text=headline, key="summary", private=False))
    ideas = (await session.exec(
        select(ActionIdea.text).join(Response, Response.id == ActionIdea.response_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.partnership_id == partnership.id, ActionIdea.created_at >= now - timedelta(days=7))
        .order_by(ActionIdea.id))).all()
    details += ["", t(lang, "summary.ideas")] + ([f"• {i}" for i in ideas] or [t(lang, "summary.no_ideas")])
    details += ["", t(lang, "summary.contact")] + health_lines(lang, health)
    highlight = await checkin_highlight(session, partnership, lang)
    if highlight:
        details += ["", highlight]
    replies.append(Reply(text="\n".join(details).strip(), thread="summary", private=False))
    return replies
