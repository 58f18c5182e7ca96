"""The partner survey across a whole deployment: factors and barriers by side over every partnership.

This is how the original report worked (18 respondents across 6 cases). The figures
pass the same gate, merged with everything each partnership already published, so
the overview cannot be subtracted from a partnership's own result; a partnership is
named only when it has at least k respondents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.disclosure import Ledger
from core.instrument import Instrument, load_instrument
from core.results import Respondent, Snapshot, snapshot
from core.survey import side_of_kind
from storage import publications
from storage.rounds import completed_answers, latest_closed_rounds


@dataclass(frozen=True)
class Overview:
    """The cross-partnership result: the snapshot, who is named, and how many are counted unnamed."""

    instrument: Instrument
    snapshot: Snapshot
    named: list[tuple[str, int]]
    """Partnerships with at least k respondents: name and respondents."""
    unnamed: int
    """Partnerships counted but not named (fewer than k respondents)."""


async def survey_overview(session: AsyncSession, k: int | None = None) -> Overview:
    """Every partnership's newest closed survey round, pooled, by side; ``k`` is the strictest partnership's, or a
    stricter one given."""
    found = await latest_closed_rounds(session, "survey")
    strictest = max((p.k_threshold for _, p in found), default=3)
    k = max(k or strictest, strictest)  # a k given may only be stricter: never below any partnership's own
    ledger = Ledger(k)
    respondents: list[Respondent] = []
    named: list[tuple[str, int]] = []
    unnamed = 0
    for round_, partnership in found:
        for publication in await publications.of_round(session, round_.id):  # type: ignore[arg-type]
            ledger.merge(json.loads(publication.ledger))
        rows = await completed_answers(session, round_)
        respondents += [Respondent(rid, side_of_kind(kind), answers) for rid, answers, kind in rows]
        if len(rows) >= k:
            named.append((partnership.name, len(rows)))
        elif rows:
            unnamed += 1
    instrument = load_instrument("survey")
    return Overview(instrument, snapshot(instrument, respondents, ledger), named, unnamed)
