"""SAMSON scoring: personal profiles, group aggregates with an anonymity threshold, deltas.

A field's score is the mean of its answered statements ("can't say" is left out).
The grey weighting profile comes from the value weights: a statement's weight is
the weight of the value it expresses, and a field's weighting is the mean of its
statements' weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean, pstdev

from core.flow import Answer
from core.instrument import Instrument


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


@dataclass(frozen=True)
class Profile:
    """One respondent's SAMSON profile. ``None`` marks a field with no answered statement."""

    fields: dict[str, float | None]
    field_weights: dict[str, float | None]
    statements: dict[str, float | None]
    statement_weights: dict[str, float | None]
    value_weights: dict[str, float | None]


def person_profile(instrument: Instrument, answers: Mapping[str, Answer]) -> Profile:
    """Score one respondent's answers."""
    value_weights: dict[str, float | None] = {}
    for section in instrument.sections:
        if section.role == "weighting":
            for item in section.items:
                a = answers.get(item.id)
                value_weights[item.weights or ""] = a.number if a else None
    statements: dict[str, float | None] = {}
    statement_weights: dict[str, float | None] = {}
    fields: dict[str, float | None] = {}
    field_weights: dict[str, float | None] = {}
    for section in instrument.fields:
        for item in section.items:
            a = answers.get(item.id)
            statements[item.id] = a.number if a else None
            statement_weights[item.id] = value_weights.get(item.value or "")
        fields[section.id] = _mean(statements[i.id] for i in section.items)
        field_weights[section.id] = _mean(statement_weights[i.id] for i in section.items)
    return Profile(fields, field_weights, statements, statement_weights, value_weights)


@dataclass(frozen=True)
class Stat:
    """Mean and spread (population SD) over the respondents who answered; n of them."""

    mean: float | None
    sd: float | None
    n: int

    @staticmethod
    def of(values: Iterable[float | None]) -> Stat:
        """Summarise values, ignoring ``None``."""
        present = [v for v in values if v is not None]
        if not present:
            return Stat(None, None, 0)
        return Stat(fmean(present), pstdev(present), len(present))


@dataclass(frozen=True)
class GroupProfile:
    """A round's aggregate over ``n`` completed responses (never built for fewer than k)."""

    n: int
    fields: dict[str, Stat]
    field_weights: dict[str, Stat]
    statements: dict[str, Stat]
    statement_weights: dict[str, Stat]
    by_kind: dict[str, dict[str, Stat] | None] = field(default_factory=dict)
    """Field stats per organisation kind; ``None`` where that kind has fewer than k respondents."""


@dataclass(frozen=True)
class Withheld:
    """An aggregate not shown: only ``n`` of the ``k`` needed respondents."""

    n: int
    k: int


def _stats(profiles: list[Profile], attr: str) -> dict[str, Stat]:
    keys = getattr(profiles[0], attr).keys()
    return {key: Stat.of(getattr(p, attr)[key] for p in profiles) for key in keys}


def aggregate(
    profiles: list[tuple[Profile, str]], k: int
) -> GroupProfile | Withheld:
    """Aggregate (profile, organisation kind) pairs; withheld under ``k`` respondents."""
    if len(profiles) < max(k, 1):
        return Withheld(len(profiles), k)
    only = [p for p, _ in profiles]
    by_kind: dict[str, dict[str, Stat] | None] = {}
    for kind in sorted({kind for _, kind in profiles}):
        members = [p for p, kk in profiles if kk == kind]
        by_kind[kind] = _stats(members, "fields") if len(members) >= k else None
    return GroupProfile(
        n=len(only),
        fields=_stats(only, "fields"),
        field_weights=_stats(only, "field_weights"),
        statements=_stats(only, "statements"),
        statement_weights=_stats(only, "statement_weights"),
        by_kind=by_kind,
    )


def field_means(group: GroupProfile) -> dict[str, float | None]:
    """The field means of a group profile."""
    return {f: s.mean for f, s in group.fields.items()}


def deltas(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, float]:
    """Change per key from ``previous`` to ``current`` where both have a value."""
    return {
        key: value - previous[key]
        for key, value in current.items()
        if value is not None and previous.get(key) is not None
    }


def weakest_statements(instrument: Instrument, group: GroupProfile, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` lowest-scoring statements (sub-themes) of a group, lowest first."""
    scored = [(item_id, s.mean) for item_id, s in group.statements.items() if s.mean is not None]
    order = {item.id: i for i, item in enumerate(instrument.items)}
    scored.sort(key=lambda pair: (pair[1], order[pair[0]]))
    return scored[:n]
