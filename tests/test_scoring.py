"""Scoring of one respondent: field means, weighting, deltas."""

from __future__ import annotations

import pytest

from core.flow import Answer
from core.instrument import load_instrument
from core.scoring import deltas, person_profile

SAMSON = load_instrument("samson")


def answers(score: float, weights: dict[str, float] | None = None, na: set[str] = frozenset()) -> dict[str, Answer]:
    result = {f"w.{v}": Answer(number=w) for v, w in (weights or {}).items()}
    for field in SAMSON.fields:
        for item in field.items:
            result[item.id] = Answer() if item.id in na else Answer(number=score)
    return result


def test_field_score_is_mean_of_answered_statements() -> None:
    a = answers(6)
    a["eq.trust"] = Answer(number=10)
    a["eq.time"] = Answer()  # can't say: left out
    profile = person_profile(SAMSON, a)
    equality = SAMSON.fields[0]
    answered = len(equality.items) - 1
    assert profile.fields["equality"] == pytest.approx((10 + 6 * (answered - 1)) / answered)
    assert profile.fields["goals"] == 6


def test_field_with_no_answers_is_none() -> None:
    profile = person_profile(SAMSON, answers(5, na={i.id for i in SAMSON.fields[2].items}))
    assert profile.fields["communication"] is None


def test_weighting_follows_the_values_of_statements() -> None:
    weights = {"openness": 10, "democracy": 2, "creativity": 4, "leadership": 6}
    profile = person_profile(SAMSON, answers(5, weights))
    assert profile.statement_weights["eq.trust"] == 10  # openness
    assert profile.statement_weights["eq.balance"] == 2  # democracy
    comm = SAMSON.fields[2]
    expected = sum(weights[i.value] for i in comm.items) / len(comm.items)
    assert profile.field_weights["communication"] == pytest.approx(expected)


def test_deltas() -> None:
    assert deltas({"a": 7.0, "b": None, "c": 5.0}, {"a": 5.5, "b": 3.0}) == {"a": 1.5}
