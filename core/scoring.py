"""SAMSON scoring: a respondent's own profile, and changes between profiles.

A field's score is the mean of its answered statements ("can't say" is left out).
The grey weighting profile comes from the value weights: a statement's weight is
the weight of the value it expresses, and a field's weighting is the mean of its
statements' weights. Group figures are published snapshots: see ``core.results``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import fmean

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


def deltas(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, float]:
    """Change per key from ``previous`` to ``current`` where both have a value."""
    return {
        key: value - before
        for key, value in current.items()
        if value is not None and (before := previous.get(key)) is not None
    }
