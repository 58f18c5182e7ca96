"""The printable report of a round: owns the use case "make a report" for /report, the CLI and the outbox.

It is the source's report, from published snapshots only: a cover, the overview with
a compared round overlaid, the seven drill-downs, the largest changes and the
weakest sub-themes with their questions, the survey's factors and barriers, the
ideas as shared and the agreed actions.
"""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions, publishing
from bot.events import Reply
from core.i18n import DEFAULT_LANGUAGE, t
from core.instrument import load_instrument
from core.pdf_report import Report, Section, render_pdf
from core.report import fmt, group_chart, group_drilldown, group_summary
from core.results import Snapshot, weakest
from core.summary import discussion_question
from core.survey_report import barrier_chart, factor_chart, survey_summary
from storage.actions import OPEN
from storage.models import ActionStatus, Partnership, Round, utcnow

PRINT_DPI = 200


class ReportError(ValueError):
    """No report can be made (nothing published yet, or an unknown round)."""


async def _published(session: AsyncSession, partnership: Partnership, round_: Round | None) -> publishing.Published:
    if round_ is None:  # the latest SAMSON result, else the latest partner survey's
        found = await publishing.latest(session, partnership) or await publishing.latest(session, partnership, "survey")
        if found is None:
            raise ReportError("nothing has been published yet; close or publish a round first")
    else:
        found = await publishing.of_round(session, round_)
    if found is None:
        raise ReportError("nothing has been published for this round yet; close or publish it first")
    return found


async def make_report(session: AsyncSession, partnership: Partnership, lang: str, round_: Round | None = None,
                      compare: Round | None = None) -> tuple[bytes, str]:
    """The report as PDF bytes, and a file name; ``compare`` picks the round overlaid (default: the previous)."""
    published = await _published(session, partnership, round_)
    kind = load_instrument(published.round.instrument_id, published.round.instrument_version).kind
    if kind == "checkin":
        raise ReportError(f"'{published.round.title}' is a check-in: it has a digest, not a report "
                          f"(samson results {partnership.slug} --instrument checkin)")
    previous = published.previous
    compared = await publishing.previous_round(session, published.round) if previous else None
    if compare is not None:
        if compare.id == published.round.id or compare.instrument_id != published.round.instrument_id:
            raise ValueError(f"compare '{published.round.title}' with another round of the same instrument "
                             f"({published.round.instrument_id}), not with '{compare.title}' ({compare.instrument_id})")
        earlier = await publishing.of_round(session, compare)
        if earlier is None or not earlier.snapshot.any_shown:
            raise ReportError(f"'{compare.title}' has no published figures to compare with")
        previous, compared = earlier.snapshot, compare
    if kind == "survey":  # the survey round itself: its factors and barriers
        sections = await _survey_sections(session, partnership, lang, published)
    else:
        sections = await asyncio.to_thread(_samson_sections, published, previous, lang, partnership.name)
        sections += await _survey_sections(session, partnership, lang)
    sections += await _action_sections(session, partnership, lang)
    round_ = published.round
    closed = round_.closed_at.date().isoformat() if round_.closed_at else t(lang, "pdf.open")
    cover = (
        t(lang, "pdf.round", title=round_.title),
        t(lang, "pdf.dates", opened=round_.opened_at.date().isoformat(), closed=closed),
        t(lang, "pdf.respondents", n=published.snapshot.respondents, k=published.snapshot.k),
        *([t(lang, "pdf.compared", title=compared.title)] if compared else []),
        t(lang, "pdf.generated", day=utcnow().date().isoformat()),
    )
    report = Report(t(lang, "pdf.title", partnership=partnership.name), cover, tuple(sections),
                    t(lang, "pdf.alt"), t(lang, "pdf.page"))
    pdf = await asyncio.to_thread(render_pdf, report)
    return pdf, f"samson-report-{partnership.slug}-{round_.number}.pdf"


def _samson_sections(published: publishing.Published, previous: Snapshot | None, lang: str,
                     partnership: str) -> list[Section]:
    snap = published.snapshot
    instrument = load_instrument(published.round.instrument_id, published.round.instrument_version)
    if not snap.any_shown:
        return [Section(t(lang, "pdf.overview"), (t(lang, "group.withheld", n=snap.respondents, k=snap.k),))]
    title = t(lang, "chart.group_title", partnership=partnership, round=published.round.title)
    overview = group_chart(instrument, snap, lang, title, previous, dpi=PRINT_DPI)
    sections = [Section(t(lang, "pdf.overview"), tuple(group_summary(instrument, snap, lang, previous).split("\n")),
                        overview.png, overview.alt_text)]
    for section in instrument.fields:
        chart = group_drilldown(instrument, snap, lang, section.id, previous, dpi=PRINT_DPI)
        sections.append(Section(section.title.get(lang), (), chart.png, chart.alt_text))
    questions = []
    for item_id, score in weakest(instrument, snap, 3):
        item = instrument.item(item_id)
        questions.append(discussion_question(lang, item.subtheme.get(lang) if item.subtheme else None,
                                             item.wording(lang), fmt(lang, score)))
    if questions:
        sections.append(Section(t(lang, "pdf.discussion"), tuple(questions)))
    return sections


async def _survey_sections(session: AsyncSession, partnership: Partnership, lang: str,
                           published: publishing.Published | None = None) -> list[Section]:
    """The survey's factors and barriers: of ``published``, else of the latest survey round."""
    if published is not None and not published.snapshot.any_shown:  # the report's own round: say why it is empty
        snap = published.snapshot
        return [Section(t(lang, "survey.factors"), (t(lang, "group.withheld", n=snap.respondents, k=snap.k),))]
    published = published or await publishing.latest(session, partnership, "survey")
    if published is None or not published.snapshot.any_shown:
        return []
    instrument = load_instrument(published.round.instrument_id, published.round.instrument_version)
    snap = published.snapshot
    title = t(lang, "survey.title", partnership=partnership.name, round=published.round.title)
    factors = await asyncio.to_thread(factor_chart, instrument, snap, lang, title, PRINT_DPI)
    barriers = await asyncio.to_thread(barrier_chart, instrument, snap, lang, title, PRINT_DPI)
    return [
        Section(t(lang, "survey.factors"), (), factors.png, factors.alt_text),
        Section(t(lang, "survey.barriers"), tuple(survey_summary(instrument, snap, lang).split("\n")),
                barriers.png, barriers.alt_text),
    ]


async def _action_sections(session: AsyncSession, partnership: Partnership, lang: str) -> list[Section]:
    today = actions.local_today(partnership)
    ideas = await actions.visible(session, partnership, coordinator=False, statuses=(ActionStatus.proposed.value,))
    agreed = await actions.visible(session, partnership, coordinator=False,
                                   statuses=(*OPEN, ActionStatus.done.value, ActionStatus.dropped.value))
    return [
        Section(t(lang, "pdf.actions"),
                tuple(actions.line(a, lang, today) for a in agreed) or (t(lang, "pdf.no_actions"),)),
        Section(t(lang, "pdf.ideas"), tuple(actions.line(a, lang, today) for a in ideas) or (t(lang, "pdf.no_ideas"),),
                new_page=False),
    ]


async def compose_report(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The report as a document for the coordinators' channel (made when it is sent)."""
    partnership = await session.get(Partnership, params["partnership_id"])
    if partnership is None:
        return []
    round_ = await session.get(Round, params["round_id"]) if params.get("round_id") else None
    lang = params.get("lang") or DEFAULT_LANGUAGE
    try:
        pdf, name = await make_report(session, partnership, lang, round_)
    except ReportError:
        return []
    return [Reply(text=t(lang, "pdf.caption", partnership=partnership.name), document=pdf, document_name=name)]
