"""Composing the coordinator summary and the check-in dialogue digest, from published results only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions, publishing
from bot.events import Reply
from bot.ideas import shared_answers
from core.disclosure import OTHER_ANSWERS, Shown, Withheld
from core.i18n import DEFAULT_LANGUAGE, month_name, t
from core.instrument import load_instrument
from core.report import fmt, withheld_reason
from core.results import weakest
from core.schedule import month_key, period_of, zone
from core.summary import Health, OrgCount, digest_text, discussion_question, health_lines, summary_headline
from core.survey_report import barrier_lines, discussion_points, other_answers
from storage.actions import written_answers
from storage.contacts import contact_health
from storage.models import Partnership, Round, RoundStatus, utcnow
from storage.publications import latest as latest_publication
from storage.rounds import companions, open_rounds, participation, previous_checkin_close


async def compose_summary(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The coordinator summary for a coordinators' channel."""
    partnership = await session.get(Partnership, params["partnership_id"])
    if partnership is None:
        return []
    return await summary_replies(session, partnership, params.get("lang") or DEFAULT_LANGUAGE,
                                 params.get("occasion", ""))


async def summary_replies(session: AsyncSession, partnership: Partnership, lang: str, occasion: str) -> list[Reply]:
    """Headline first (with the latest published chart), the details in its thread."""
    now = utcnow()
    closed = await session.get(Round, int(occasion.removeprefix("round-"))) if occasion.startswith("round-") else None
    counted = [closed, *await companions(session, closed)] if closed else []  # after a close: how that round went
    counted += [r for r in await open_rounds(session, partnership.id) if r not in counted]  # type: ignore[arg-type]
    part = []
    for round_ in counted:
        orgs = await participation(session, round_)
        title = round_.title if round_.parent_round_id is None else f"{round_.title} ({t(lang, 'kind.residents').lower()})"
        part.append((title, sum(len(o.completed) for o in orgs), sum(o.members for o in orgs)))
    health = [Health(h.organisation, h.days, h.overdue) for h in await contact_health(session, partnership, now)]
    head = t(lang, "summary.after_round", title=closed.title, partnership=partnership.name) if closed else None
    headline = summary_headline(lang, partnership.name, part, sum(h.overdue for h in health), head)
    replies: list[Reply] = []
    details: list[str] = []
    # after a round closed: its result (a residents' or survey round too), else the standing SAMSON one
    published = await publishing.of_round(session, closed) if closed else await publishing.latest(session, partnership)
    if published is not None:
        first, *rest = await publishing.result_replies(partnership, published, lang)
        if first.image:  # the chart under the headline, the rest of the result (a residents' chart too) in its thread
            replies.append(Reply(text=headline, image=first.image, image_name=first.image_name,
                                 image_alt=first.image_alt, key="summary"))
            replies += [replace(r, thread="summary", key=None) for r in rest]
        else:
            details.append(first.text)  # nothing shown: why
    else:
        details.append(t(lang, "summary.samson_unpublished"))
    if not replies:
        replies.append(Reply(text=headline, key="summary"))
    ideas = await actions.new_ideas(session, partnership, now - timedelta(days=7))
    today = actions.local_today(partnership, now)
    details += ["", t(lang, "summary.ideas")] + ([f"• {actions.line(i, lang, today)}" for i in ideas]  # as /ideas shows them
                                                 or [t(lang, "summary.no_ideas")])
    details += ["", t(lang, "summary.contact")] + health_lines(lang, health)
    highlight = await checkin_highlight(session, partnership, lang)
    if highlight:
        details += ["", highlight]
    details += await survey_barriers(session, partnership, lang)
    details += ["", *await actions.summary_lines(session, partnership, lang, now - timedelta(days=7), today)]
    replies.append(Reply(text="\n".join(details).strip(), thread="summary"))
    return replies


async def survey_barriers(session: AsyncSession, partnership: Partnership, lang: str) -> list[str]:
    """The latest published survey's barrier scores, by side where the gate allows, and what to discuss."""
    published = await publishing.latest(session, partnership, "survey")
    if published is None:
        return []
    instrument = load_instrument(published.round.instrument_id, published.round.instrument_version)
    lines = barrier_lines(instrument, published.snapshot, lang)
    if not lines:
        return []
    return ["", t(lang, "summary.survey", title=published.round.title), *lines,
            *discussion_points(instrument, published.snapshot, lang, ("barrier",))]


async def checkin_highlight(session: AsyncSession, partnership: Partnership, lang: str) -> str | None:
    """The latest closed check-in's collaboration score, as published (never a live figure)."""
    published = await publishing.latest(session, partnership, "checkin")
    if published is None:
        return None
    title = checkin_title(lang, published.round, partnership)
    instrument = load_instrument(published.round.instrument_id, published.round.instrument_version)
    score = instrument.item_for("score")
    cell = published.snapshot.items.get(score.id) if score else None
    if isinstance(cell, Shown) and score is not None:
        top = instrument.scale_of(score).max  # type: ignore[union-attr]
        return t(lang, "summary.checkin", title=title, n=cell.n, mean=fmt(lang, cell.mean), max=top)
    reason = withheld_reason(lang, cell.reason, partnership.k_threshold) if isinstance(cell, Withheld) else ""
    return t(lang, "summary.checkin_withheld", title=title) + " " + reason


async def discussion(session: AsyncSession, partnership: Partnership, lang: str) -> str:
    """The question for the next meeting, from the weakest shown sub-theme of the latest published SAMSON result."""
    published = await publishing.latest(session, partnership)
    if published is not None:
        instrument = load_instrument(published.round.instrument_id, published.round.instrument_version)
        lowest = weakest(instrument, published.snapshot, 1)
        if lowest:
            item = instrument.item(lowest[0][0])
            return discussion_question(lang, item.subtheme.get(lang) if item.subtheme else None,
                                       item.wording(lang), fmt(lang, lowest[0][1]))
    return discussion_question(lang, None, None, None)


async def latest_digest(session: AsyncSession, partnership: Partnership, lang: str) -> list[Reply]:
    """The digest of the partnership's newest closed check-in, in ``lang`` (none before the first closes)."""
    round_ = (await session.exec(select(Round).where(
        Round.partnership_id == partnership.id, Round.instrument_id == "checkin",
        Round.status == RoundStatus.closed.value).order_by(col(Round.closed_at).desc()))).first()
    return [] if round_ is None else await compose_digest(session, {"round_id": round_.id, "lang": lang}, None)


async def compose_digest(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The dialogue digest in the partners' channel after a check-in closes."""
    round_ = await session.get(Round, params["round_id"])
    if round_ is None:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    lang = params.get("lang") or DEFAULT_LANGUAGE
    orgs = await participation(session, round_)
    counts = [OrgCount(o.organisation, len(o.completed), o.members) for o in orgs if o.members]
    health = [Health(h.organisation, h.days, h.overdue) for h in await contact_health(session, partnership, utcnow())]
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)

    async def shared(purpose: str) -> list[str]:
        item = instrument.item_for(purpose)
        return [a.text for a in await shared_answers(session, round_.id, item.id, partnership.k_threshold)] if item else []  # type: ignore[arg-type]

    async def held(purpose: str) -> str | None:
        """Why the texts of an item are not shown: how many wrote one, under k (None when none did)."""
        item = instrument.item_for(purpose)
        writers = len({author for _, author in await written_answers(session, round_.id, item.id)}) if item else 0  # type: ignore[arg-type]
        k = partnership.k_threshold
        return t(lang, "digest.held_texts", n=writers, k=k) if 0 < writers < k else None

    title = checkin_title(lang, round_, partnership)
    proposals = await shared("next_step")
    text = digest_text(lang, title, counts, health, proposals, await discussion(session, partnership, lang),
                       None if proposals else await held("next_step"))
    for purpose in ("progress", "obstacle"):
        texts = await shared(purpose)
        listed = [f"• {x}" for x in texts] or [line for line in [await held(purpose)] if line]
        if listed:
            text += "\n\n" + t(lang, f"digest.{purpose}") + "\n" + "\n".join(listed)
    before = await previous_checkin_close(session, round_)  # "since last time": since the previous digest
    since = before or round_.opened_at - timedelta(days=31)
    text += "\n\n" + "\n".join(await actions.summary_lines(session, partnership, lang, since,
                                                            actions.local_today(partnership), round_.closed_at))
    publication = await latest_publication(session, round_.id)  # type: ignore[arg-type]
    if publication is not None:
        snap = publishing.snapshot_of(publication)
        score = instrument.item_for("score")
        cell = snap.items.get(score.id) if score else None
        if isinstance(cell, Shown) and score is not None:
            top = instrument.scale_of(score).max  # type: ignore[union-attr]
            text += "\n\n" + t(lang, "digest.score", n=cell.n, mean=fmt(lang, cell.mean), max=top)
        elif isinstance(cell, Withheld) and cell.n:
            text += "\n\n" + t(lang, "digest.score_held", n=cell.n, k=snap.k)
        for purpose in ("contact_kind", "contact_frequency", "informal_contact"):
            item = instrument.item_for(purpose)
            counted = snap.counts.get(item.id) if item else None
            if item is not None and isinstance(counted, dict):
                labels = {o.id: o.label.get(lang) for o in item.options}
                shown = ", ".join(other_answers(lang, counted, snap.k) if o == OTHER_ANSWERS else f"{labels.get(o, o)} {n}"
                                  for o, n in sorted(counted.items(), key=lambda kv: -kv[1]))
                text += "\n" + t(lang, f"digest.{purpose}", counts=shown)
    return [Reply(text=text)]


def checkin_title(lang: str, round_: Round, partnership: Partnership) -> str:
    """"check-in for December 2026": the month it is for. A second one opened by hand in a month has no month of its
    own: the month it opened in, or the title a coordinator gave it."""
    if round_.period:
        return t(lang, "checkin.title", period=month_name(lang, round_.period))
    if round_.title.endswith(f" #{round_.number}"):  # the default title ("Monthly dialogue check-in #2")
        opened = period_of(*month_key(round_.opened_at, zone(partnership.timezone)))
        return t(lang, "checkin.title", period=month_name(lang, opened))
    return round_.title
