"""Survey scoring: success factors, barriers and the co-creation index, declared in the instrument.

Pure code. A construct's score is the mean of its answered items, with reverse-keyed
items mirrored on their scale (on 1–5, a 2 counts as 4). A neutral 3 is an answer
and counts; "not relevant" (a skipped barrier item) does not.

Group scores come only from a published :class:`~core.results.Snapshot`: a construct's
group score is the mean of its shown item means, and its n is the largest n among
those items, so a construct never reveals more than its items already do. The two
sides (municipality and the social enterprises' side) are compared only where the
gate showed the breakdown for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean

from core.disclosure import Shown
from core.flow import Answer
from core.instrument import Construct, Instrument, Item
from core.results import Snapshot

MUNICIPALITY, OTHER_SIDE = "municipality", "social_enterprise"
SIDE_ORDER: tuple[str, ...] = (MUNICIPALITY, OTHER_SIDE)


def side_of_kind(kind: str | None) -> str:
    """The side of the table an organisation kind sits on: the municipality, or everyone else."""
    return MUNICIPALITY if kind == MUNICIPALITY else OTHER_SIDE


def keyed(instrument: Instrument, item: Item, value: float) -> float:
    """An answer as its construct counts it: mirrored on the scale when the item is reverse-keyed."""
    scale = instrument.scale_of(item)
    return scale.min + scale.max - value if item.reverse and scale else value


def person_scores(instrument: Instrument, answers: Mapping[str, Answer], kind: str | None = None) -> dict[str, float | None]:
    """One respondent's score per construct (of ``kind`` if given); None where no item was answered."""
    result: dict[str, float | None] = {}
    for construct in instrument.constructs:
        if kind and construct.kind != kind:
            continue
        values = []
        for item_id in construct.items:
            answer = answers.get(item_id)
            if answer is not None and answer.number is not None:
                values.append(keyed(instrument, instrument.item(item_id), answer.number))
        result[construct.id] = fmean(values) if values else None
    return result


@dataclass(frozen=True)
class Score:
    """A group's score on one construct, and how many answered (the largest n of its shown items)."""

    mean: float
    n: int


def _score(instrument: Instrument, construct: Construct, cells: Mapping[str, object]) -> Score | None:
    shown = [(instrument.item(i), c) for i in construct.items if isinstance(c := cells.get(i), Shown)]
    if not shown:
        return None
    return Score(fmean(keyed(instrument, item, cell.mean) for item, cell in shown), max(cell.n for _, cell in shown))


def group_scores(instrument: Instrument, snap: Snapshot, kind: str) -> dict[str, Score | None]:
    """The whole group's score per construct of ``kind``, from the snapshot's shown item figures."""
    return {c.id: _score(instrument, c, snap.items) for c in instrument.constructs_of(kind)}


def side_scores(instrument: Instrument, snap: Snapshot, kind: str) -> dict[str, dict[str, Score | None]]:
    """Per side, the score per construct, only where the gate showed both sides of an item.

    Empty when the sides cannot be compared yet (a side has fewer than k respondents).
    """
    result: dict[str, dict[str, Score | None]] = {}
    for side in SIDE_ORDER:
        scores = {}
        for construct in instrument.constructs_of(kind):
            cells = {}
            for item_id in construct.items:
                groups = snap.by_group.get(item_id)
                if isinstance(groups, dict) and all(isinstance(groups.get(s), Shown) for s in SIDE_ORDER):
                    cells[item_id] = groups[side]
            scores[construct.id] = _score(instrument, construct, cells)
        result[side] = scores
    if not any(score is not None for scores in result.values() for score in scores.values()):
        return {}
    return result


@dataclass(frozen=True)
class Gap:
    """How differently the two sides see one construct; ``share`` is the gap as a share of the scale."""

    construct: Construct
    municipality: float
    other_side: float
    share: float


def gaps(instrument: Instrument, snap: Snapshot, *, top: int = 3, minimum: float = 0.1,
         kinds: tuple[str, ...] = ("barrier", "factor")) -> list[Gap]:
    """The constructs (factors and barriers) the sides see most differently, largest first.

    Gaps are compared as shares of each scale (1–5 and 1–100 alike); only gaps of at
    least ``minimum`` of the scale are raised as discussion points.
    """
    found = []
    for kind in kinds:
        by_side = side_scores(instrument, snap, kind)
        if not by_side:
            continue
        for construct in instrument.constructs_of(kind):
            mine, theirs = by_side[MUNICIPALITY][construct.id], by_side[OTHER_SIDE][construct.id]
            if mine is None or theirs is None:
                continue
            scale = instrument.scale_of(instrument.item(construct.items[0]))
            assert scale is not None
            share = abs(mine.mean - theirs.mean) / (scale.max - scale.min)
            if share >= minimum:
                found.append(Gap(construct, mine.mean, theirs.mean, share))
    found.sort(key=lambda gap: -gap.share)
    return found[:top]


def scale_range(instrument: Instrument, construct: Construct) -> tuple[int, int]:
    """The answer scale of a construct's items."""
    scale = instrument.scale_of(instrument.item(construct.items[0]))
    assert scale is not None
    return scale.min, scale.max


__all__ = [
    "MUNICIPALITY", "OTHER_SIDE", "SIDE_ORDER", "Gap", "Score", "gaps", "group_scores", "keyed", "person_scores",
    "scale_range", "side_of_kind", "side_scores",
]
