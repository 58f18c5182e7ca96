"""Group results: computed through the disclosure gate, published as snapshots, shown from them.

Owns the use cases "compute a group result" and "publish a round": a round's
result is published when it closes, or as an interim result by a coordinator;
everyone else only ever sees published snapshots, never live figures.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions
from bot.events import Audience, Reply
from bot.invitations import Enqueue, default_enqueue
from core.disclosure import Ledger, Withheld
from core.i18n import t
from core.instrument import Instrument, load_instrument
from core.report import fmt, group_chart, group_drilldown, group_summary
from core.results import Respondent, Snapshot, field_scores, snapshot
from core.survey import side_of_kind
from core.survey_report import barrier_chart, factor_chart, survey_summary
from storage import publications, rounds
from storage.channels import bindings
from storage.models import Partnership, Publication, Round
from storage.rounds import completed_answers


async def compute(session: AsyncSession, round_: Round, k: int) -> tuple[Snapshot, Ledger]:
    """The group result the gate would allow now, next to everything already published for the round."""
    ledger = Ledger(k)
    for earlier in await publications.of_round(session, round_.id):  # type: ignore[arg-type]
        ledger.merge(json.loads(earlier.ledger))
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
    respondents = [Respondent(rid, side_of_kind(kind) if instrument.breakdown == "side" else kind, answers)
                   for rid, answers, kind in await completed_answers(session, round_)]
    return snapshot(instrument, respondents, ledger), ledger


async def publish(session: AsyncSession, partnership: Partnership, round_: Round, occasion: str) -> Publication | None:
    """Publish the round's result now; an interim one only if the gate lets something new through."""
    snap, ledger = await compute(session, round_, partnership.k_threshold)
    earlier = [snapshot_of(p) for p in await publications.of_round(session, round_.id)]  # type: ignore[arg-type]
    if occasion == "interim" and not snap.adds_to(earlier):
        return None
    publication = Publication(
        round_id=round_.id, number=await publications.next_number(session, round_.id),  # type: ignore[arg-type]
        occasion=occasion, respondents=snap.respondents,
        figures=json.dumps(snap.to_json(), ensure_ascii=False), ledger=json.dumps(ledger.to_json()),
    )
    session.add(publication)
    await session.flush()
    return publication


def snapshot_of(publication: Publication) -> Snapshot:
    """The figures of a publication."""
    return Snapshot.from_json(json.loads(publication.figures))


@dataclass(frozen=True)
class Published:
    """The latest published result of an instrument in a partnership, with the previous round's for comparison."""

    round: Round
    publication: Publication
    previous: Snapshot | None
    companion: Published | None = None
    """The residents' own result of the same round, when they had their own instrument."""
    figures: Snapshot | None = None
    """The figures to show, when not just the publication's own (see ``round_result``)."""

    @cached_property
    def snapshot(self) -> Snapshot:
        """The figures (read from the publication once)."""
        return self.figures or snapshot_of(self.publication)


def merged(snapshots: Sequence[Snapshot]) -> Snapshot:
    """The newest snapshot, each figure it had to withhold taken from the newest earlier one that showed it.

    Every figure was published already, so showing them together reveals nothing new; without this a
    close that had to withhold figures (an interim result was published a few answers before) would
    leave the older, smaller interim result standing instead.
    """
    newest, *older = snapshots

    def fill(own: dict, pick: Callable[[Snapshot], dict]) -> dict:
        result = dict(own)
        for key, cell in own.items():
            if isinstance(cell, Withheld):
                shown = (earlier for earlier in (pick(snap).get(key) for snap in older)
                         if earlier is not None and not isinstance(earlier, Withheld))
                result[key] = next(shown, cell)
        return result

    return replace(newest, items=fill(newest.items, lambda snap: snap.items),
                   counts=fill(newest.counts, lambda snap: snap.counts),
                   by_group=fill(newest.by_group, lambda snap: snap.by_group))


async def round_result(session: AsyncSession, round_id: int) -> tuple[Publication, Snapshot] | None:
    """A round's newest publication that shows a figure, with every figure an earlier one showed (``merged``)."""
    found = sorted(await publications.of_round(session, round_id), key=lambda p: p.number, reverse=True)
    if not found:
        return None
    snapshots = [snapshot_of(p) for p in found]
    first = next((n for n, snap in enumerate(snapshots) if snap.any_shown), 0)
    return found[first], merged(snapshots[first:])


async def _shown_of_round(session: AsyncSession, round_id: int) -> Publication | None:
    """A round's newest publication (its figures: ``round_result``)."""
    found = await round_result(session, round_id)
    return found[0] if found else None


async def previous_round(session: AsyncSession, round_: Round) -> Round | None:
    """The newest round of the same instrument before ``round_`` whose result shows a figure (a round closed
    with nothing to show, e.g. opened by mistake, is nothing to compare with)."""
    number = round_.number
    while before := await publications.latest_published_round(
            session, round_.partnership_id, round_.instrument_id, before_number=number):
        if await shows_something(session, before[0]):
            return before[0]
        number = before[0].number
    return None


async def shows_something(session: AsyncSession, round_: Round) -> bool:
    """Whether any publication of the round shows a figure."""
    found = await round_result(session, round_.id)  # type: ignore[arg-type]
    return found is not None and found[1].any_shown


async def _previous(session: AsyncSession, round_: Round) -> Snapshot | None:
    before = await previous_round(session, round_)
    found = await round_result(session, before.id) if before else None  # type: ignore[arg-type]
    return found[1] if found else None


async def latest(session: AsyncSession, partnership: Partnership, instrument_id: str = "samson") -> Published | None:
    """The newest round's published result, with the round before it (if that was published) to compare.

    Within a round, the publication that shows the most: a later one whose figures the
    gate had to withhold (they would have revealed a few answers) does not hide it.
    """
    return await _newest(session, partnership, instrument_id, None)


async def standing(session: AsyncSession, partnership: Partnership, instrument_id: str = "samson") -> Published | None:
    """The result that stands, as members see it: the newest round that may show something (a round closed
    with too few answers leaves the one before it standing); else the newest round, to say why."""
    newest = await _newest(session, partnership, instrument_id, None)
    found = newest
    while found is not None and not _shows(found):
        found = await _newest(session, partnership, instrument_id, found.round.number)
    return found or newest


def _shows(published: Published) -> bool:
    return published.snapshot.any_shown or bool(published.companion and published.companion.snapshot.any_shown)


async def _newest(session: AsyncSession, partnership: Partnership, instrument_id: str,
                  before: int | None) -> Published | None:
    found = await publications.latest_published_round(session, partnership.id, instrument_id,  # type: ignore[arg-type]
                                                      before_number=before)
    if found is None:
        return None
    round_ = found[0]
    result = await round_result(session, round_.id)  # type: ignore[arg-type]
    assert result is not None
    return Published(round_, result[0], await _previous(session, round_), await _companion(session, round_), result[1])


async def latest_scorecard(session: AsyncSession, partnership: Partnership, *,
                           for_residents: bool = False) -> Published | None:
    """The standing SAMSON result (see ``standing``): the partners' round, with its residents' companion.

    A round opened for the residents alone stands instead when no partners' round was published, and, for
    residents (``for_residents``), when it was published last.
    """
    partners = await standing(session, partnership, "samson")
    residents = await residents_alone(session, partnership)
    if residents is None:
        return partners
    if partners is None or (for_residents and residents.publication.published_at > partners.publication.published_at):
        return residents
    return partners


async def residents_alone(session: AsyncSession, partnership: Partnership) -> Published | None:
    """The standing result of a round opened for the residents alone (not a partners' round's companion)."""
    residents_id = load_instrument("samson").for_residents
    residents = await standing(session, partnership, residents_id) if residents_id else None
    return residents if residents is not None and residents.round.parent_round_id is None else None


async def _companion(session: AsyncSession, round_: Round) -> Published | None:
    for companion in await rounds.companions(session, round_):
        result = await round_result(session, companion.id)  # type: ignore[arg-type]
        if result is not None:
            return Published(companion, result[0], None, figures=result[1])
    return None


async def of_round(session: AsyncSession, round_: Round) -> Published | None:
    """A given round's result (every figure its publications showed), with the round before it to compare."""
    result = await round_result(session, round_.id)  # type: ignore[arg-type]
    if result is None:
        return None
    return Published(round_, result[0], await _previous(session, round_), await _companion(session, round_), result[1])


async def compared_with(session: AsyncSession, published: Published, other: Round) -> Published:
    """``published`` with ``other``'s result as the one to compare (instead of the round before)."""
    earlier = await of_round(session, other)
    return Published(published.round, published.publication, earlier.snapshot if earlier else None,
                     published.companion, published.figures)


async def of_publication(session: AsyncSession, publication: Publication) -> Published | None:
    """A given publication, with the previous round's result to compare."""
    round_ = await session.get(Round, publication.round_id)
    if round_ is None:
        return None
    return Published(round_, publication, await _previous(session, round_), await _companion(session, round_))


async def result_replies(
    partnership: Partnership, published: Published, lang: str, field_id: str | None = None,
    audience: Audience = Audience.CHAT, agreed: Sequence[str] = (),
) -> list[Reply]:
    """The group chart (or one field's drill-down) and its text, from a published snapshot.

    Charts render in a worker thread so the event loop keeps acking other requests.
    """
    snap = published.snapshot
    if not snap.any_shown:
        return [Reply(t(lang, "group.withheld", n=snap.respondents, k=snap.k), audience=audience)]
    instrument = load_instrument(published.round.instrument_id, published.round.instrument_version)
    if instrument.audience == "residents":  # a residents' round: said so, not "SAMSON profile" as the partners'
        title = f"{partnership.name}: " + t(lang, "residents.chart_title", round=published.round.title)
    else:
        title_key = "survey.title" if instrument.kind == "survey" else "chart.group_title"
        title = t(lang, title_key, partnership=partnership.name, round=published.round.title)
    if published.publication.occasion == "interim":  # still open, or closed with nothing new to show
        title += " " + t(lang, "group.interim" if published.round.closed_at is None else "group.closed_interim")
    if instrument.kind == "survey":
        return await _survey_replies(instrument, published, lang, title, audience)
    if field_id:
        chart = await asyncio.to_thread(group_drilldown, instrument, snap, lang, field_id, published.previous)
        return [
            Reply(title, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, audience=audience),
            Reply(chart.alt_text, audience=audience),
        ]
    chart = await asyncio.to_thread(group_chart, instrument, snap, lang, title, published.previous)
    key = f"group-{published.round.id}"
    summary = chart.alt_text + "\n\n" + group_summary(instrument, snap, lang, published.previous)
    if agreed:
        summary += "\n\n" + "\n".join(agreed)
    replies = [
        Reply(title, image=chart.png, image_name=chart.filename, image_alt=chart.alt_text, key=key,
              audience=audience),
        Reply(summary, thread=key, audience=audience),
    ]
    return replies + await _residents_replies(instrument, published, lang, key, audience)


async def _residents_replies(partners: Instrument, published: Published, lang: str, key: str,
                             audience: Audience) -> list[Reply]:
    """How residents see it, beside how partners see it: their own chart, and the fields side by side."""
    companion = published.companion
    if companion is None or not companion.snapshot.any_shown:
        return []
    instrument = load_instrument(companion.round.instrument_id, companion.round.instrument_version)
    title = t(lang, "residents.chart_title", round=companion.round.title)
    chart = await asyncio.to_thread(group_chart, instrument, companion.snapshot, lang, title)
    theirs, ours = field_scores(instrument, companion.snapshot), field_scores(partners, published.snapshot)
    lines = [t(lang, "residents.side_by_side", partners=published.snapshot.respondents, n=companion.snapshot.respondents)]
    for section in partners.fields:
        lines.append(t(lang, "residents.field_line", field=section.title.get(lang), partners=fmt(lang, ours.get(section.id)),
                       residents=fmt(lang, theirs.get(section.id))))
    return [Reply(title, image=chart.png, image_name="samson-residents.png", image_alt=chart.alt_text, thread=key,
                  audience=audience),
            Reply(chart.alt_text + "\n\n" + "\n".join(lines), thread=key, audience=audience)]


async def _survey_replies(
    instrument: Instrument, published: Published, lang: str, title: str, audience: Audience,
) -> list[Reply]:
    """The survey's factor chart, barrier chart and text, the text threaded under the first chart."""
    snap = published.snapshot
    factors = await asyncio.to_thread(factor_chart, instrument, snap, lang, title)
    barriers = await asyncio.to_thread(barrier_chart, instrument, snap, lang, title)
    key = f"survey-{published.round.id}"
    return [
        Reply(title, image=factors.png, image_name=factors.filename, image_alt=factors.alt_text, key=key,
              audience=audience),
        Reply(t(lang, "survey.barriers"), image=barriers.png, image_name=barriers.filename,
              image_alt=barriers.alt_text, thread=key, audience=audience),
        Reply("\n\n".join([factors.alt_text, barriers.alt_text, survey_summary(instrument, snap, lang)]),
              thread=key, audience=audience),
    ]


async def announce(
    session: AsyncSession, partnership: Partnership, round_: Round, publication: Publication,
    enqueue: Enqueue | None = None,
) -> int:
    """Decide the published chart for the partnership's partners' (and, if they answered, residents') channels; the
    residents' part of a joint round goes to the residents' channels (the partners' chart shows it beside theirs)."""
    if not snapshot_of(publication).any_shown:
        return 0
    send = default_enqueue(session, enqueue)
    if round_.parent_round_id is not None:
        purposes = ["residents"]
    else:
        purposes = ["partners"] + (["residents"] if round_.audience != "partners" else [])
    count = 0
    for binding in await bindings(session, partnership.id, *purposes):  # type: ignore[arg-type]
        count += await send(
            f"group-chart:{round_.id}:{publication.number}:{binding.id}", platform=binding.platform,
            workspace=binding.workspace, channel=binding.channel, kind="group_chart",
            params={"publication_id": publication.id, "lang": partnership.lang}, partnership_id=partnership.id,
        )
    return count


async def compose_group_chart(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """A published group chart for a bound channel."""
    if "publication_id" not in params:
        return []  # decided before results were published snapshots: nothing published to show
    publication = await session.get(Publication, params["publication_id"])
    published = await of_publication(session, publication) if publication else None
    if published is None:
        return []
    partnership = await session.get(Partnership, published.round.partnership_id)
    assert partnership is not None
    lang = params.get("lang") or "nb"
    agreed = await actions.for_fields(session, partnership, lang, published.round.instrument_id)
    replies = await result_replies(partnership, published, lang, agreed=agreed)
    return replies if any(r.image for r in replies) else []
