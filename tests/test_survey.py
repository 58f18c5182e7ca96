"""The partner survey as data, its scoring, its published result and its charts."""

from __future__ import annotations

import re

import pytest

from core import flow
from core.bar_charts import BarRow, BarSpec, bar_figure
from core.disclosure import Ledger, Reason, Withheld
from core.flow import Answer
from core.i18n import decimal_symbol
from core.instrument import RESEARCH_CONSENT, load_instrument
from core.languages import REQUIRED as LANGUAGES
from core.results import Respondent, snapshot
from core.survey import gaps, group_scores, person_scores, side_scores
from core.survey_report import barrier_chart, factor_chart, survey_summary

SURVEY = load_instrument("survey")
PNG = b"\x89PNG\r\n\x1a\n"
OCR_LEFTOVERS = re.compile(r"\b(spgr|mgte|Igs|fglg|hgy|gnsk|ngdv|bergr)|\b[8&] [a-zæøå]", re.IGNORECASE)


def test_the_instrument_holds_82_numbered_items_in_three_languages() -> None:
    numbered = [item.number for item in SURVEY.all_items]
    assert numbered == list(range(1, 83))
    assert SURVEY.audience == "partners" and SURVEY.breakdown == "side"
    for item in SURVEY.all_items:
        texts = [item.text, *item.text_by_side.values()]
        for text in texts:
            for lang in LANGUAGES:
                assert text.root.get(lang, "").strip(), (item.id, lang)
            assert not OCR_LEFTOVERS.search(text.get("nb")), (item.id, text.get("nb"))
    # Which partner one represents comes from the profile, and the research consent is asked first.
    asked = [item.id for item in SURVEY.items]
    assert asked[0] == RESEARCH_CONSENT and "q1" not in asked and len(asked) == 82


def test_side_wording_follows_the_respondent() -> None:
    q4 = SURVEY.item("q4")
    assert "sosiale virksomheten" in q4.wording("nb", "municipality")
    assert "kommunen" in q4.wording("nb", "social_enterprise")
    sided = [item.id for item in SURVEY.all_items if item.text_by_side]
    assert all(f"q{n}" in sided for n in range(70, 82))  # every barrier item speaks of one side
    for item in SURVEY.all_items:
        if item.text_by_side:
            assert set(item.text_by_side) == {"municipality", "social_enterprise"}, item.id


def test_every_part_2_item_is_in_one_factor_and_every_barrier_item_in_one_barrier() -> None:
    factors = SURVEY.constructs_of("factor")
    assert len(factors) == 20 and len({f.category for f in factors}) == 6
    in_factors = [i for f in factors for i in f.items]
    assert sorted(set(range(26, 70))) == sorted(int(i[1:]) for i in in_factors if 26 <= int(i[1:]) <= 69)
    assert len(in_factors) == len(set(in_factors))
    barriers = SURVEY.constructs_of("barrier")
    assert [b.id for b in barriers] == ["not_invented_here", "hoarding", "search", "transfer"]
    assert [i for b in barriers for i in b.items] == [f"q{n}" for n in range(70, 82)]
    assert SURVEY.scale_of(SURVEY.item("q70")).skip  # type: ignore[union-attr]


def test_factor_and_barrier_scores_by_hand() -> None:
    answers = {
        "q26": Answer(4), "q27": Answer(3),  # history: a neutral 3 is an answer: (4 + 3) / 2
        "q76": Answer(80), "q77": Answer(), "q78": Answer(40),  # search: the skipped item does not count
        "q7": Answer(5), "q10": Answer(2),  # co-creation: q10 is reverse-keyed, its 2 counts as 4
    }
    scores = person_scores(SURVEY, answers)
    assert scores["history"] == 3.5
    assert scores["search"] == 60
    assert scores["co_creation"] == 4.5
    assert scores["hoarding"] is None  # nothing answered


def _respondents(sides: dict[str, int], *, likert: dict[str, float], barrier: dict[str, float]) -> list[Respondent]:
    people = []
    for side, count in sides.items():
        for n in range(count):
            answers = {item.id: Answer(barrier[side] + n if item.scale == "barrier100" else likert[side])
                       for item in SURVEY.items if item.type == "scale"}
            answers["q5"] = Answer(text="monthly")
            people.append(Respondent(len(people) + 1, side, answers))
    return people


def test_sides_are_compared_only_when_both_reach_k() -> None:
    few = _respondents({"municipality": 2, "social_enterprise": 1},
                       likert={"municipality": 4, "social_enterprise": 2}, barrier={"municipality": 30, "social_enterprise": 80})
    snap = snapshot(SURVEY, few, Ledger(2))
    assert group_scores(SURVEY, snap, "barrier")["search"] is not None  # the whole group: 3 ≥ k
    assert side_scores(SURVEY, snap, "barrier") == {}
    assert isinstance(snap.by_group["q76"], Withheld) and snap.by_group["q76"].reason == Reason.BREAKDOWN
    text = survey_summary(SURVEY, snap, "en")
    assert "can be compared once each side has at least 2" in text
    assert "municipality 30" not in text

    both = _respondents({"municipality": 2, "social_enterprise": 2},
                        likert={"municipality": 4, "social_enterprise": 2}, barrier={"municipality": 30, "social_enterprise": 80})
    snap = snapshot(SURVEY, both, Ledger(2))
    sides = side_scores(SURVEY, snap, "barrier")
    assert sides["municipality"]["search"].mean == 30.5  # type: ignore[union-attr]
    assert sides["social_enterprise"]["search"].n == 2  # type: ignore[union-attr]
    biggest = gaps(SURVEY, snap)
    assert biggest and biggest[0].construct.kind == "barrier"
    text = survey_summary(SURVEY, snap, "en")
    assert 'Why do we see "' in text and "Barriers by side of the table" in text


def test_charts_are_pngs_with_text_alternatives_in_the_readers_language() -> None:
    people = _respondents({"municipality": 3, "social_enterprise": 3}, likert={"municipality": 4, "social_enterprise": 3},
                          barrier={"municipality": 20, "social_enterprise": 70})
    snap = snapshot(SURVEY, people, Ledger(3))
    factors = factor_chart(SURVEY, snap, "nb", "Bydel Øst")
    barriers = barrier_chart(SURVEY, snap, "nb", "Bydel Øst")
    assert factors.png.startswith(PNG) and barriers.png.startswith(PNG)
    assert "20 suksessfaktorer i 6 kategorier" in factors.alt_text and "Kommunen" in factors.alt_text
    assert "4 barrierer" in barriers.alt_text and "21 / 71" in barriers.alt_text


@pytest.mark.parametrize(("lang", "shown"), [("nb", "3,5"), ("uk", "3,5"), ("en", "3.5")])
def test_bar_values_are_written_with_the_readers_decimal_separator(lang: str, shown: str) -> None:
    spec = BarSpec("Bydel Øst", (BarRow("Tillit", (3.5,)),), ("Alle",), 1, 5, decimal_symbol(lang))
    assert [text.get_text() for text in bar_figure(spec).axes[0].texts] == [shown]


def test_a_tigrinya_heading_is_drawn_without_font_noise_on_the_console(capsys, caplog) -> None:
    from core.bar_charts import render_bars

    spec = BarSpec("ሽርክና", (BarRow("ምትእምማን", heading=True), BarRow("ርክብ", (3.5,))), ("ኩሉ",), 1, 5, ".")
    assert render_bars(spec).startswith(b"\x89PNG")
    assert "findfont" not in capsys.readouterr().err + caplog.text


def test_the_barrier_scale_offers_tens_a_typed_number_and_skip() -> None:
    position = next(i for i, item in enumerate(SURVEY.items) if item.id == "q70")
    state = flow.FlowState(position=position)
    ctx = flow.FlowContext("nb", "social_enterprise")
    prompt = flow.question(SURVEY, state, ctx)
    values = [c.value for c in prompt.choices]
    assert values[:10] == [str(v) for v in range(10, 101, 10)] and "skip" in values
    assert "utenfor vår virksomhet" in prompt.text and "skriv et hvilket som helst tall fra 1 til 100" in prompt.text
    typed = flow.advance(SURVEY, state, "37", ctx)
    assert typed.effects[0] == flow.RecordAnswer("q70", Answer(37.0))
    skipped = flow.advance(SURVEY, state, "hopp over", ctx)
    assert skipped.effects[0] == flow.RecordAnswer("q70", Answer())
    too_high = flow.advance(SURVEY, state, "101", ctx)
    assert too_high.prompts[0].is_error and "1 til 100" in too_high.prompts[0].text and not too_high.effects


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_neutral_middle_is_explained_on_likert_items(lang: str) -> None:
    position = next(i for i, item in enumerate(SURVEY.items) if item.id == "q26")
    prompt = flow.question(SURVEY, flow.FlowState(position=position), flow.FlowContext(lang, "municipality"))
    assert [c.value for c in prompt.choices][:5] == ["1", "2", "3", "4", "5"]
    assert "3 = " in prompt.text
