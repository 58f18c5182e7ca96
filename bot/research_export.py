"""The research export of a round: published aggregates per item, a codebook, and consented microdata.

Aggregates are exactly what the round's publication shows (n, mean, and the spread
where the gate allowed it). Microdata holds only respondents who said yes to the
separate research consent, under pseudonymous ids that mean nothing outside the export,
and nothing that, next to the aggregates, would reveal those who said no.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import publishing
from core.disclosure import OTHER_ANSWERS, SPREAD_MIN, Shown, Withheld
from core.flow import Answer
from core.instrument import RESEARCH_CONSENT, Instrument, Item, load_instrument
from core.languages import LANGUAGES
from core.results import Snapshot
from core.survey import MUNICIPALITY, OTHER_SIDE, side_of_kind
from storage.models import Partnership, Round
from storage.rounds import completed_answers


class ExportError(ValueError):
    """Nothing can be exported (e.g. the round was never published)."""


@dataclass(frozen=True)
class Export:
    """The CSV files of one round's export; ``microdata`` is None when nobody consented."""

    aggregates: str
    codebook: str
    microdata: str | None
    consented: int
    respondents: int
    left_out: list[str]
    """Items not in the microdata: their few non-consenting answers could be worked out from the aggregates."""


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _constructs_of(instrument: Instrument, item_id: str) -> str:
    """The declared constructs an item belongs to; on a scorecard, its action field (or the value weighting)."""
    declared = [c.id for c in instrument.constructs if item_id in c.items]
    if instrument.kind == "scorecard":
        declared.insert(0, instrument.section_of(item_id).id)
    return ";".join(declared)


def _scale_text(instrument: Instrument, item: Item) -> str:
    scale = instrument.scale_of(item)
    if scale is None:
        return item.type
    extra = " can't say=blank" if scale.na else " skip=blank" if scale.skip else ""
    neutral = f" neutral={scale.neutral}" if scale.neutral is not None else ""
    return f"{scale.min}-{scale.max}{neutral}{extra}"


def codebook(instrument: Instrument) -> str:
    """One row per item: id, number, type, scale, options, constructs, reverse key and the texts in nb/sv/en."""
    rows: list[list[object]] = [["item_id", "number", "type", "scale", "options", "constructs", "reverse",
                                 "side_wording", *(f"text_{lang}" for lang in LANGUAGES)]]
    for item in instrument.all_items:
        options = ";".join(f"{o.id}={o.label.get('en')}" for o in item.options)
        rows.append([item.id, item.number or "", item.type, _scale_text(instrument, item), options,
                     _constructs_of(instrument, item.id), "yes" if item.reverse else "",
                     "yes" if item.text_by_side else "", *(item.text.root.get(lang, "") for lang in LANGUAGES)])
    return _csv(rows)


def aggregates(instrument: Instrument, figures: Snapshot) -> str:
    """Per item, what the publication shows: n, mean and spread (sd), or why it is withheld; counts for choices."""
    rows: list[list[object]] = [["item_id", "number", "n", "mean", "sd", "counts", "withheld"]]
    for item in instrument.items:
        cell = figures.items.get(item.id)
        counts = figures.counts.get(item.id)
        if isinstance(cell, Shown):
            rows.append([item.id, item.number or "", cell.n, round(cell.mean, 3),
                         "" if cell.sd is None else round(cell.sd, 3), "", ""])
        elif isinstance(counts, dict):
            shown = ";".join(f"{option}={n}" for option, n in sorted(counts.items()))
            rows.append([item.id, item.number or "", sum(counts.values()), "", "", shown, ""])
        elif isinstance(cell, Withheld) or isinstance(counts, Withheld):
            withheld = cell if isinstance(cell, Withheld) else counts
            assert isinstance(withheld, Withheld)
            rows.append([item.id, item.number or "", "", "", "", "", withheld.reason.value])
    return _csv(rows)


def pseudonym(round_: Round, response_id: int) -> str:
    """An id that is stable within this round's export and says nothing about the person."""
    seed = f"samson-research:{round_.id}:{round_.opened_at.isoformat()}:{response_id}"
    return hashlib.sha256(seed.encode()).hexdigest()[:12]


def _cell(answer: Answer | None) -> object:
    if answer is None or answer.is_blank:
        return ""
    return f"{answer.number:g}" if answer.number is not None else answer.text


def _consents(answers: dict[str, Answer]) -> bool:
    return (answers.get(RESEARCH_CONSENT) or Answer()).text == "yes"


def microdata(instrument: Instrument, round_: Round, rows: list[tuple[int, dict[str, Answer], str]],
              k: int) -> tuple[str, int, list[str]]:
    """Answers of consenting respondents only, by pseudonym; returns the CSV, how many are in it, and the items
    left out.

    An item is left out when 1 to k−1 respondents who said no answered it: the published aggregate minus the
    consenting rows would give their answers. An organisation kind (or side) held by fewer than k consenting
    respondents is left blank: in a small partnership it would name the person.
    """
    consented = sorted((pseudonym(round_, rid), kind, answers) for rid, answers, kind in rows if _consents(answers))
    declined = [answers for _, answers, _ in rows if not _consents(answers)]
    items: list[Item] = []
    left_out: list[Item] = []
    for item in (i for i in instrument.items if i.id != RESEARCH_CONSENT):
        others = sum(1 for answers in declined if not (answers.get(item.id) or Answer()).is_blank)
        (left_out if 0 < others < k else items).append(item)
    left_ids = [item.id for item in left_out]
    kinds = Counter(kind for _, kind, _ in consented)
    sides = Counter(side_of_kind(kind) for _, kind, _ in consented)
    table: list[list[object]] = [["respondent", "organisation_kind", "side", *(i.id for i in items)]]
    for pid, kind, answers in consented:
        side = side_of_kind(kind)
        table.append([pid, kind if kinds[kind] >= k else "", side if sides[side] >= k else "",
                      *(_cell(answers.get(i.id)) for i in items)])
    return _csv(table), len(consented), left_ids


async def export_round(session: AsyncSession, round_: Round, *, with_microdata: bool) -> Export:
    """The export of a published round (SAMSON, survey or check-in)."""
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
    found = await publishing.round_result(session, round_.id)  # type: ignore[arg-type]
    if found is None:
        raise ExportError(f"round {round_.id} has not been published yet; close or publish it first")
    rows = await completed_answers(session, round_)
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    data, consented, left_out = (microdata(instrument, round_, rows, partnership.k_threshold) if with_microdata
                                 else (None, 0, []))
    return Export(aggregates(instrument, found[1]), codebook(instrument),
                  data if consented else None, consented, len(rows), left_out if consented else [])


def readme(round_: Round, k: int, export: Export) -> str:
    """What the export's files and columns mean (README.txt beside them)."""
    lines = [
        f"SAMSON research export: \"{round_.title}\" ({round_.instrument_id} v{round_.instrument_version}), "
        f"{export.respondents} completed responses, k = {k}.",
        "Files are UTF-8, comma-separated, one header row.",
        "",
        "aggregates.csv: the published result (as members see it), one row per item.",
        "  item_id, number  the item; codebook.csv has its wording and scale.",
        "  n                answers behind the figure; \"can't say\" and skipped answers do not count.",
        f"  mean, sd         the mean and the standard deviation (sd only from {SPREAD_MIN} answers).",
        f"  counts           choice items: option=count; options fewer than k chose are together as {OTHER_ANSWERS}=count.",
        "  withheld         why nothing is shown: too_few (fewer than k answers), differencing (against a figure",
        "                   already published it would single out fewer than k people), breakdown.",
        "",
        "codebook.csv: one row per item.",
        "  item_id, number  as above; number is the item's number in the source questionnaire (the survey's 1-82).",
        "  type, scale      the answer type; for scales min-max, the neutral point, and what a blank means.",
        "  options          choice items: id=label.",
        "  constructs       what the item measures, ;-separated: its action field (or the value weighting) on the",
        "                   SAMSON scorecard; the success factors and barriers in the partner survey.",
        "  reverse          yes: reverse-keyed in the scoring; answers everywhere in the export are as given.",
        "  side_wording     yes: the statement is worded for the respondent's side of the table.",
        "  text_<lang>      the statement in that language.",
    ]
    if export.microdata is not None:
        lines += [
            "",
            f"microdata.csv: the answers of the {export.consented} of {export.respondents} respondents who said yes "
            "to the research question; nobody else is in it.",
            "  respondent         a pseudonym, stable within this round's export, that says nothing about the person.",
            "  organisation_kind  the kind of organisation they answered for; blank when fewer than k share it.",
            f"  side               {MUNICIPALITY} or {OTHER_SIDE} (everyone else); blank when fewer than k share it.",
            "  <item_id>          the answer: a number, a choice id or free text; blank = can't say, skipped or not asked.",
        ]
        if export.left_out:
            lines.append(f"  Left out: {', '.join(export.left_out)}. Fewer than k who said no answered them, so their "
                         "answers could be worked out from aggregates.csv.")
    return "\n".join(lines) + "\n"
