"""The disclosure gate: k per figure, no differencing between published views, breakdowns, spread, free text."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from core.disclosure import (
    OTHER_ANSWERS,
    Contribution,
    Ledger,
    Reason,
    SharedText,
    Sharing,
    Shown,
    Withheld,
    separable,
    shared_texts,
)
from core.flow import Answer
from core.instrument import load_instrument
from core.results import Respondent, Snapshot, field_scores, snapshot, weakest

SAMSON = load_instrument("samson")
CHECKIN = load_instrument("checkin", 1)


def test_k_counts_real_answers_only() -> None:
    ledger = Ledger(3)
    assert ledger.gate("q", {1: 4.0, 2: None, 3: None, 4: 6.0}) == Withheld(2, Reason.TOO_FEW)
    shown = ledger.gate("q2", {1: 4.0, 2: 5.0, 3: 6.0, 4: None})
    assert shown == Shown(5.0, 3, None)  # no spread under 5 answers


def test_spread_only_from_five() -> None:
    cell = Ledger(3).gate("q", {i: float(i) for i in range(1, 6)})
    assert isinstance(cell, Shown) and cell.sd is not None and cell.n == 5


def test_two_views_of_a_round_differ_by_zero_or_at_least_k() -> None:
    ledger = Ledger(3)
    assert isinstance(ledger.gate("q", {1: 1.0, 2: 2.0, 3: 3.0}), Shown)
    # one more respondent: 4·m₄ − 3·m₃ would give the 4th answer exactly
    assert ledger.gate("q", {1: 1.0, 2: 2.0, 3: 3.0, 4: 9.0}) == Withheld(4, Reason.DIFFERENCING)
    assert isinstance(ledger.gate("q", {1: 1.0, 2: 2.0, 3: 3.0}), Shown)  # the same view again is harmless
    assert isinstance(ledger.gate("q", {i: 5.0 for i in range(1, 7)}), Shown)  # three more: fine


def test_breakdown_cannot_be_subtracted_from_the_whole() -> None:
    ledger = Ledger(3)
    values = {i: float(i) for i in range(1, 8)}
    kinds = {"municipality": [1, 2, 3, 4, 5, 6], "social_enterprise": [7]}
    assert ledger.gate_breakdown("q", values, kinds) == Withheld(7, Reason.BREAKDOWN)
    kinds = {"municipality": [1, 2, 3], "social_enterprise": [4, 5, 6, 7]}
    shown = ledger.gate_breakdown("q", values, kinds)
    assert isinstance(shown, dict) and shown["municipality"].mean == 2.0


def test_breakdown_against_an_earlier_total() -> None:
    """Total over {m1,m2,m3,s1} published first; later municipality {m1,m2,m3} would reveal s1."""
    ledger = Ledger(3)
    first = {1: 5.0, 2: 6.0, 3: 7.0, 11: 2.0}
    assert isinstance(ledger.gate("q", first), Shown)
    later = {**first, 12: 3.0, 13: 4.0, 14: 5.0}
    assert isinstance(ledger.gate("q", later), Shown)  # three more people: fine on its own
    breakdown = ledger.gate_breakdown("q", later, {"municipality": [1, 2, 3], "social_enterprise": [11, 12, 13, 14]})
    assert breakdown == Withheld(7, Reason.DIFFERENCING)


def test_ledger_survives_storage() -> None:
    ledger = Ledger(3)
    ledger.gate("q", {1: 1.0, 2: 2.0, 3: 3.0})
    again = Ledger(3)
    again.merge(ledger.to_json())
    assert again.gate("q", {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}).reason == Reason.DIFFERENCING  # type: ignore[union-attr]


def _respondent(rid: int, group: str, score: float | None, na: set[str] = frozenset()) -> Respondent:
    answers = {item.id: Answer(None if item.id in na or score is None else score) for item in SAMSON.items}
    return Respondent(rid, group, answers)


def test_one_numeric_answer_among_cant_say_is_withheld_and_never_weakest() -> None:
    lonely = "co.regular"
    people = [_respondent(1, "ngo", 7.0), _respondent(2, "ngo", 7.0, {lonely}), _respondent(3, "ngo", 7.0, {lonely})]
    people[0].answers[lonely] = Answer(1.0)  # type: ignore[index]
    snap = snapshot(SAMSON, people, Ledger(3))
    assert snap.items[lonely] == Withheld(1, Reason.TOO_FEW)
    assert lonely not in [i for i, _ in weakest(SAMSON, snap, 54)]
    assert field_scores(SAMSON, snap)["communication"] == 7.0  # the field is the mean of what is shown
    assert Snapshot.from_json(snap.to_json()) == snap


def test_checkin_average_ignores_cant_say() -> None:
    people = [Respondent(i, "ngo", {"ci.collaboration": Answer(None if i > 1 else 8.0), "ci.contact": Answer(text="call")})
              for i in range(1, 5)]
    snap = snapshot(CHECKIN, people, Ledger(3))
    assert snap.items["ci.collaboration"] == Withheld(1, Reason.TOO_FEW)
    assert snap.counts["ci.contact"] == {"call": 4}


def test_free_text_follows_the_authors_choice() -> None:
    texts = [Contribution(1, "Named idea", Sharing.NAMED, "Ada"), Contribution(2, "Quiet idea", Sharing.ANONYMOUS, "Bo"),
             Contribution(2, "For coordinators", Sharing.COORDINATORS, "Bo"), Contribution(3, "Unchosen", None, "Cy")]
    assert shared_texts(texts[:2], 3) == [SharedText("Named idea", "Ada")]  # two contributors: anonymous waits …
    assert SharedText("Quiet idea", held=Sharing.ANONYMOUS) in shared_texts(texts[:2], 3, for_coordinators=True)  # … seen
    assert SharedText("Quiet idea") in shared_texts(texts, 3)  # three contributors now
    assert [t.text for t in shared_texts(texts, 3, for_coordinators=True)] == [
        "Named idea", "Quiet idea", "For coordinators", "Unchosen"]
    assert all(t.name is None for t in shared_texts(texts, 3, for_coordinators=True)[1:])


# ---- property: no sequence of allowed views singles anyone out


def _in_span(rows: list[frozenset[int]], target: int, people: list[int]) -> bool:
    """Whether the indicator of ``target`` is a linear combination of the published sets (exact arithmetic)."""
    index = {p: i for i, p in enumerate(people)}
    basis: list[list[Fraction]] = []

    def reduce(vector: list[Fraction]) -> list[Fraction]:
        for row in basis:
            pivot = next(i for i, x in enumerate(row) if x)
            if vector[pivot]:
                factor = vector[pivot] / row[pivot]
                vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
        return vector

    for s in rows:
        reduced = reduce([Fraction(int(p in s)) for p in people])
        if any(reduced):
            basis.append(reduced)
    unit = [Fraction(0)] * len(people)
    unit[index[target]] = Fraction(1)
    return not any(reduce(unit))


views = st.lists(st.tuples(st.integers(1, 12), st.booleans()), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(
    k=st.integers(2, 4),
    people=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=12),
    sequence=views,
)
def test_no_sequence_of_allowed_views_reveals_one_answer(k: int, people: list[tuple[int, int]],
                                                         sequence: list[tuple[int, bool]]) -> None:
    """Random rounds (1–12 respondents, 1–3 kinds, random "can't say"), published at random moments.

    Each view publishes the first m respondents of the round, with or without the
    breakdown by kind. Whatever the gate lets through, no respondent's answer to any
    item is a linear combination of the published sums (means times n are sums).
    """
    items = ["a", "b", "c"]
    kinds = ["municipality", "social_enterprise", "ngo"]
    ledger = Ledger(k)
    shown: dict[str, list[frozenset[int]]] = {i: [] for i in items}
    for m, with_breakdown in sorted(sequence):
        present = list(enumerate(people[:m], start=1))
        for n, item in enumerate(items):
            values = {rid: (None if (na >> n) & 1 else float(rid)) for rid, (_, na) in present}
            cell = ledger.gate(item, values)
            if isinstance(cell, Shown):
                shown[item].append(frozenset(r for r, v in values.items() if v is not None))
                if with_breakdown:
                    groups = {kinds[kind]: [rid for rid, (kk, _) in present if kk == kind] for kind in range(3)}
                    cells = ledger.gate_breakdown(item, values, groups)
                    if isinstance(cells, dict):
                        for name in cells:
                            members = {r for r in groups[name] if values[r] is not None}
                            shown[item].append(frozenset(members))
    everyone = list(range(1, len(people) + 1))
    for item, rows in shown.items():
        assert separable(rows, k)
        for person in everyone:
            assert not _in_span(rows, person, everyone), (item, person, rows)


def test_a_choice_picked_by_fewer_than_k_is_counted_only_with_the_other_small_ones() -> None:
    ledger = Ledger(k=3)
    answers = {1: "close", 2: "close", 3: "close", 4: "sporadic", 5: "none"}
    assert ledger.gate_counts("q6", answers) == {"close": 3, OTHER_ANSWERS: 2}  # never "sporadic 1"
    assert Ledger(k=3).gate_counts("q6", {1: "close", 2: "close", 3: "close"}) == {"close": 3}
