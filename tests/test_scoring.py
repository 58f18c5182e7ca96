"""Scoring: field means, weighting, aggregation with the k threshold, deltas."""

from __future__ import annotations

import pytest

from core.flow import Answer
from core.instrument import load_instrument
from core.scoring import GroupProfile, Withheld, aggregate, deltas, person_profile, weakest_statements

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


def test_aggregate_withheld_below_k() -> None:
    two = [(person_profile(SAMSON, answers(5)), "municipality")] * 2
    assert aggregate(two, k=3) == Withheld(n=2, k=3)


def test_aggregate_mean_spread_and_kinds() -> None:
    rows = [
        (person_profile(SAMSON, answers(4)), "municipality"),
        (person_profile(SAMSON, answers(6)), "municipality"),
        (person_profile(SAMSON, answers(8)), "municipality"),
        (person_profile(SAMSON, answers(2)), "social_enterprise"),
    ]
    group = aggregate(rows, k=3)
    assert isinstance(group, GroupProfile) and group.n == 4
    assert group.fields["equality"].mean == pytest.approx(5.0)
    assert group.fields["equality"].sd == pytest.approx(2.236, abs=1e-3)
    assert group.by_kind["municipality"]["equality"].mean == pytest.approx(6.0)
    assert group.by_kind["social_enterprise"] is None  # only one: never shown


def test_deltas_and_weakest() -> None:
    assert deltas({"a": 7.0, "b": None, "c": 5.0}, {"a": 5.5, "b": 3.0}) == {"a": 1.5}
    a = answers(7)
    a["an.plans"] = Answer(number=1)
    a["co.regular"] = Answer(number=2)
    group = aggregate([(person_profile(SAMSON, a), "ngo")] * 3, k=3)
    assert [i for i, _ in weakest_statements(SAMSON, group)][:2] == ["an.plans", "co.regular"]
