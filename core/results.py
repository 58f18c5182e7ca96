"""A round's group result as a published snapshot: every figure decided by the disclosure gate.

Pure code. ``snapshot`` takes the respondents' answers and the ledger of what was
already published for the round, and returns only figures the gate allows. Field
scores, field weightings and breakdowns shown on charts are derived from the
snapshot's item figures (the mean of the shown statement means), so they never
carry more than the item figures already published.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from core.disclosure import Cell, Ledger, Reason, Shown, Withheld
from core.flow import Answer
from core.instrument import RESEARCH_CONSENT, Instrument


@dataclass(frozen=True)
class Respondent:
    """One completed response: an opaque id, the group it belongs to (organisation kind) and its answers."""

    id: int
    group: str
    answers: Mapping[str, Answer]


@dataclass(frozen=True)
class Snapshot:
    """What a round's published group result holds: only figures others may see."""

    respondents: int
    k: int
    items: dict[str, Cell]
    """Per scale item (statement, weighting, check-in score)."""
    counts: dict[str, dict[str, int] | Withheld] = field(default_factory=dict)
    """Per choice item: how many chose each option."""
    by_group: dict[str, dict[str, Cell] | Withheld] = field(default_factory=dict)
    """Per scale item: the figure per group, or why the breakdown is withheld."""

    @property
    def any_shown(self) -> bool:
        """Whether anything at all may be shown."""
        return any(isinstance(c, Shown) for c in self.items.values()) or any(
            isinstance(c, dict) for c in self.counts.values())

    @property
    def shown_count(self) -> int:
        """How many item figures are shown."""
        return sum(isinstance(c, Shown) for c in self.items.values())

    def adds_to(self, earlier: Sequence[Snapshot]) -> bool:
        """Whether this shows any figure that none of the ``earlier`` snapshots showed."""
        seen = {(i, c) for snap in earlier for i, c in snap.items.items() if isinstance(c, Shown)}
        return any(isinstance(c, Shown) and (i, c) not in seen for i, c in self.items.items())

    def mean(self, item_id: str) -> float | None:
        """The shown mean of an item, or None."""
        cell = self.items.get(item_id)
        return cell.mean if isinstance(cell, Shown) else None

    def to_json(self) -> dict:
        """Plain data for storage."""
        return {
            "respondents": self.respondents, "k": self.k,
            "items": {i: _cell_json(c) for i, c in self.items.items()},
            "counts": {i: c if isinstance(c, dict) else _cell_json(c) for i, c in self.counts.items()},
            "by_group": {i: _cell_json(g) if isinstance(g, Withheld) else {n: _cell_json(c) for n, c in g.items()}
                         for i, g in self.by_group.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Snapshot:
        """A snapshot from ``to_json`` data."""
        counts = {i: _cell(c) if "reason" in c else dict(c) for i, c in data.get("counts", {}).items()}
        by_group = {i: _cell(g) if "reason" in g else {n: _cell(c) for n, c in g.items()}
                    for i, g in data.get("by_group", {}).items()}
        return cls(data["respondents"], data["k"], {i: _cell(c) for i, c in data["items"].items()},
                   counts, by_group)  # type: ignore[arg-type]


def _cell_json(cell: Cell) -> dict:
    if isinstance(cell, Shown):
        return {"mean": cell.mean, "n": cell.n, "sd": cell.sd}
    return {"n": cell.n, "reason": cell.reason.value}


def _cell(data: Mapping) -> Cell:
    if "reason" in data:
        return Withheld(data["n"], Reason(data["reason"]))
    return Shown(data["mean"], data["n"], data.get("sd"))


def snapshot(instrument: Instrument, respondents: Sequence[Respondent], ledger: Ledger) -> Snapshot:
    """Decide every figure of a round through ``ledger`` (which records what is shown)."""
    items: dict[str, Cell] = {}
    counts: dict[str, dict[str, int] | Withheld] = {}
    by_group: dict[str, dict[str, Cell] | Withheld] = {}
    groups: dict[str, set[int]] = {}
    for r in respondents:
        groups.setdefault(r.group, set()).add(r.id)
    for item in instrument.items:
        if item.id == RESEARCH_CONSENT:
            continue  # who consented to research is nobody else's business
        if item.type == "scale":
            values = {r.id: _number(r.answers.get(item.id)) for r in respondents}
            items[item.id] = ledger.gate(item.id, values)
            if isinstance(items[item.id], Shown):
                by_group[item.id] = ledger.gate_breakdown(item.id, values, groups)
        elif item.type == "choice":
            counts[item.id] = ledger.gate_counts(item.id, {r.id: _text(r.answers.get(item.id)) for r in respondents})
    return Snapshot(len(respondents), ledger.k, items, counts, by_group)


def _number(answer: Answer | None) -> float | None:
    return answer.number if answer is not None else None


def _text(answer: Answer | None) -> str | None:
    return answer.text if answer is not None else None


def _mean_of(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def field_scores(instrument: Instrument, snap: Snapshot, among: Collection[str] | None = None) -> dict[str, float | None]:
    """Per SAMSON field: the mean of its shown statement means (None when none is shown).

    ``among`` limits the statements to those ids, e.g. the sub-themes two instrument versions share.
    """
    return {f.id: _mean_of([snap.mean(i.id) for i in f.items if among is None or i.id in among])
            for f in instrument.fields}


def shared_statements(instrument: Instrument, earlier: Snapshot) -> list[str]:
    """The statements of ``instrument`` that an earlier round also asked (its version may differ).

    An item id names a sub-theme across instrument versions, so a round of version 1 and
    one of version 2 are compared on the ids both hold.
    """
    return [i.id for f in instrument.fields for i in f.items if i.id in earlier.items]


def value_weights(instrument: Instrument, snap: Snapshot) -> dict[str, float | None]:
    """Per value: the group's shown weighting."""
    return {item.weights: snap.mean(item.id) for s in instrument.sections if s.role == "weighting"
            for item in s.items if item.weights}


def field_weights(instrument: Instrument, snap: Snapshot) -> dict[str, float | None]:
    """The grey weighting profile per field: the mean of the weights of the values its statements express."""
    weights = value_weights(instrument, snap)
    return {f.id: _mean_of([weights.get(i.value or "") for i in f.items]) for f in instrument.fields}


def statement_weights(instrument: Instrument, snap: Snapshot) -> dict[str, float | None]:
    """Per statement: the group's weight of the value it expresses."""
    weights = value_weights(instrument, snap)
    return {i.id: weights.get(i.value or "") for f in instrument.fields for i in f.items}


def group_field_scores(instrument: Instrument, snap: Snapshot) -> dict[str, dict[str, float | None]]:
    """Per group (organisation kind) whose breakdown is shown: field means from its shown statement means."""
    names = sorted({g for cells in snap.by_group.values() if isinstance(cells, dict) for g in cells})
    result = {}
    for name in names:
        def mean(item_id: str, group: str = name) -> float | None:
            cells = snap.by_group.get(item_id)
            cell = cells.get(group) if isinstance(cells, dict) else None
            return cell.mean if isinstance(cell, Shown) else None

        scores = {f.id: _mean_of([mean(i.id) for i in f.items]) for f in instrument.fields}
        if any(v is not None for v in scores.values()):
            result[name] = scores
    return result


def weakest(instrument: Instrument, snap: Snapshot, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` lowest shown statement means (sub-themes), lowest first; withheld ones never appear."""
    order = {item.id: i for i, item in enumerate(instrument.items)}
    scored = [(i.id, m) for f in instrument.fields for i in f.items if (m := snap.mean(i.id)) is not None]
    scored.sort(key=lambda pair: (pair[1], order[pair[0]]))
    return scored[:n]


def widest_spread(instrument: Instrument, snap: Snapshot) -> tuple[str, Shown] | None:
    """The statement the group disagrees on most (spread only from 5 answers), if any."""
    spread = [(i.id, c) for f in instrument.fields for i in f.items
              if isinstance(c := snap.items.get(i.id), Shown) and c.sd is not None]
    return max(spread, key=lambda pair: pair[1].sd or 0.0) if spread else None


def withheld_count(snap: Snapshot) -> dict[Reason, int]:
    """How many item figures are withheld, by reason."""
    result: dict[Reason, int] = {}
    for cell in snap.items.values():
        if isinstance(cell, Withheld):
            result[cell.reason] = result.get(cell.reason, 0) + 1
    return result
