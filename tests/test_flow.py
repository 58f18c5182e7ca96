"""The pure flow engine: answers, can't say, ideas, back, pause, progress and re-prompts."""

from __future__ import annotations

import yaml

from core.disclosure import Sharing
from core.flow import (
    Answer,
    Completed,
    FlowContext,
    FlowState,
    Paused,
    RecordAnswer,
    RecordIdea,
    ShareIdea,
    advance,
    begin,
)
from core.instrument import load_instrument, parse_instrument

SAMSON = load_instrument("samson")
EN = FlowContext("en")


def test_begin_shows_intro_section_and_progress() -> None:
    step = begin(SAMSON, FlowState(), EN)
    text = "\n".join(p.text for p in step.prompts)
    assert "SAMSON" in text and "Weighting the values" in text and "(1 of 54)" in text
    question = step.prompts[-1]
    assert [c.value for c in question.choices][:10] == [str(n) for n in range(1, 11)]
    assert question.progress == (1, 54) and question.accepts.kind == "scale"


def test_answer_advances_and_records() -> None:
    step = advance(SAMSON, FlowState(), "7", EN)
    assert step.state == FlowState(position=1)
    assert step.effects == [RecordAnswer("w.openness", Answer(number=7.0))]
    assert "(2 of 54)" in step.prompts[-1].text


def test_cant_say_allowed_on_statements_only() -> None:
    weights_step = advance(SAMSON, FlowState(), "?", EN)
    assert weights_step.effects == [] and weights_step.state.position == 0
    assert "whole number from 1 to 10" in weights_step.prompts[0].text
    step = advance(SAMSON, FlowState(position=4), "?", EN)
    assert step.effects == [RecordAnswer("eq.trust", Answer())]
    assert advance(SAMSON, FlowState(position=4), "na", EN).effects == [RecordAnswer("eq.trust", Answer())]
    assert advance(SAMSON, FlowState(position=4), "vet ikke", FlowContext("nb")).effects[0].answer.is_blank


def test_bad_inputs_reprompt_and_change_nothing() -> None:
    state = FlowState(position=4)
    for raw, expected in [
        ("11", "11 is outside the scale"),
        ("0", "0 is outside the scale"),
        ("seven", "That wasn't a number"),
        ("7.5", "Please answer with a whole number from 1 to 10"),  # a number, just not a whole one
        ("", "I didn't get an answer"),
        ("x" * 10_000, "That wasn't a number"),
    ]:
        step = advance(SAMSON, state, raw, EN)
        assert step.state == state and step.effects == []
        assert step.prompts[0].is_error and expected in step.prompts[0].text
        assert "1 to 10, or \"?\" for can't say" in step.prompts[0].text
        assert len(step.prompts[0].text) < 300  # never echoes a huge input
        assert step.prompts[-1].item_id == "eq.trust"


def test_action_idea_flow() -> None:
    state = FlowState(position=4)
    asking = advance(SAMSON, state, "idea", EN)
    assert asking.state.awaiting_idea and "Trust" in asking.prompts[0].text
    empty = advance(SAMSON, asking.state, "  ", EN)
    assert empty.effects == [] and empty.state.awaiting_idea
    long = advance(SAMSON, asking.state, "y" * 10_000, EN)
    assert long.effects == [] and "too long (10000 characters)" in long.prompts[0].text
    saved = advance(SAMSON, asking.state, "Meet at the library", EN)
    assert saved.effects == [RecordIdea("eq.trust", "Meet at the library")]
    # the author chooses who may see it, then answers the same statement
    sharing = saved.prompts[-1]
    assert saved.state.choosing_sharing and "Who may see this idea?" in sharing.text
    assert [c.value for c in sharing.choices] == ["named", "anonymous", "coordinators"]
    unclear = advance(SAMSON, saved.state, "maybe", EN)
    assert unclear.effects == [] and unclear.prompts[0].is_error and unclear.state == saved.state
    chosen = advance(SAMSON, saved.state, "anonymous", EN)
    assert chosen.effects == [ShareIdea("eq.trust", Sharing.ANONYMOUS)] and chosen.state == state
    assert "without your name" in chosen.prompts[0].text and chosen.prompts[-1].item_id == "eq.trust"
    assert advance(SAMSON, saved.state, "1", EN).effects == [ShareIdea("eq.trust", Sharing.NAMED)]
    kept = advance(SAMSON, saved.state, "back", EN)
    assert kept.effects == [] and kept.state == state and "coordinators only" in kept.prompts[0].text
    paused = advance(SAMSON, saved.state, "pause", EN)
    assert paused.state.choosing_sharing  # a resume asks again
    inline = advance(SAMSON, state, "idea: Shared lunch", EN)
    assert inline.effects == [RecordIdea("eq.trust", "Shared lunch")]
    cancel = advance(SAMSON, asking.state, "cancel", EN)
    assert cancel.effects == [] and cancel.state == state
    weights = advance(SAMSON, FlowState(), "idea", EN)
    assert weights.effects == [] and weights.prompts[0].is_error  # no ideas on weighting items


def test_back_shows_previous_answer() -> None:
    ctx = FlowContext("en", answers={"w.openness": Answer(number=7.0)})
    step = advance(SAMSON, FlowState(position=1), "back", ctx)
    assert step.state.position == 0 and "(Your answer so far: 7)" in step.prompts[-1].text
    first = advance(SAMSON, FlowState(position=0), "back", EN)
    assert first.state.position == 0 and "first question" in first.prompts[0].text


def test_pause_keeps_position() -> None:
    step = advance(SAMSON, FlowState(position=9), "pause", EN)
    assert step.state.position == 9 and step.effects == [Paused()] and "/resume" in step.prompts[0].text


def test_last_answer_completes() -> None:
    last = len(SAMSON.items) - 1
    step = advance(SAMSON, FlowState(position=last), "5", EN)
    assert step.state.finished and Completed() in step.effects
    assert advance(SAMSON, step.state, "5", EN).effects == []


def test_language_of_prompts() -> None:
    nb = begin(SAMSON, FlowState(position=4), FlowContext("nb")).prompts[-1]
    sv = begin(SAMSON, FlowState(position=4), FlowContext("sv")).prompts[-1]
    assert "tillit til hverandre" in nb.text and "(5 av 54)" in nb.text and "Vet ikke" in [c.label for c in nb.choices]
    assert "litar så mycket" in sv.text and "Vet inte" in [c.label for c in sv.choices]


def _mini():
    text = {"nb": "spørsmål", "sv": "fråga", "en": "question"}
    doc = {
        "id": "mini", "version": 1, "kind": "survey", "title": text,
        "scales": {"likert5": {"min": 1, "max": 5, "neutral": 3},
                   "pct": {"min": 1, "max": 100, "skip": True, "buttons": [10, 25, 50, 75, 100]}},
        "sections": [{"id": "p1", "title": text, "items": [
            {"id": "side", "type": "scale", "scale": "likert5", "text": text,
             "text_by_side": {"social_enterprise": {"nb": "SE-tekst", "sv": "SE-text", "en": "SE text"}}},
            {"id": "pct", "type": "scale", "scale": "pct", "text": text},
            {"id": "freq", "type": "choice", "text": text,
             "options": [{"id": "weekly", "label": {"nb": "Ukentlig", "sv": "Varje vecka", "en": "Weekly"}},
                         {"id": "monthly", "label": {"nb": "Månedlig", "sv": "Varje månad", "en": "Monthly"}}]},
            {"id": "free", "type": "text", "text": text, "optional": True, "max_length": 100},
        ]}],
    }
    return parse_instrument(yaml.safe_dump(doc, allow_unicode=True), "mini.yaml")


def test_other_item_kinds() -> None:
    mini = _mini()
    se = FlowContext("en", side="social_enterprise")
    assert "SE text" in begin(mini, FlowState(), se).prompts[-1].text
    assert "6 is outside" in advance(mini, FlowState(), "6", se).prompts[0].text
    assert advance(mini, FlowState(), "3", se).effects[0].answer == Answer(number=3.0)
    pct = begin(mini, FlowState(position=1), EN).prompts[-1]
    assert [c.value for c in pct.choices][:5] == ["10", "25", "50", "75", "100"] and "skip" in [c.value for c in pct.choices]
    assert pct.accepts.kind == "scale" and pct.accepts.max == 100 and pct.accepts.can_skip
    assert advance(mini, FlowState(position=1), "63", EN).effects[0].answer == Answer(number=63.0)
    assert advance(mini, FlowState(position=1), "skip", EN).effects[0].answer.is_blank
    assert advance(mini, FlowState(position=2), "2", EN).effects[0].answer == Answer(text="monthly")
    assert advance(mini, FlowState(position=2), "weekly", EN).effects[0].answer == Answer(text="weekly")
    bad = advance(mini, FlowState(position=2), "daily", EN)
    assert bad.effects == [] and "1 = Weekly; 2 = Monthly" in bad.prompts[0].text
    assert advance(mini, FlowState(position=3), "We met twice", EN).effects[0].answer == Answer(text="We met twice")
    assert "too long" in advance(mini, FlowState(position=3), "z" * 101, EN).prompts[0].text
    assert advance(mini, FlowState(position=3), "skip", EN).effects[0].answer.is_blank


def test_button_labels_can_be_typed_in_every_language() -> None:
    from core.i18n import t
    from core.languages import LANGUAGES

    for lang in LANGUAGES:
        state = FlowState(position=5)
        ctx = FlowContext(lang)
        back = advance(SAMSON, state, t(lang, "choice.back").split(" ", 1)[-1], ctx)
        assert back.state.position == 4, lang  # "↩ رجوع" typed as «رجوع»
        na = advance(SAMSON, state, t(lang, "choice.na"), ctx)
        assert na.effects and na.effects[0].answer.is_blank, lang  # type: ignore[union-attr]


def test_a_question_mark_on_an_optional_free_text_is_dont_know_not_the_text() -> None:
    checkin = load_instrument("checkin")
    position = next(n for n, item in enumerate(checkin.items) if item.type == "text" and item.optional)
    step = advance(checkin, FlowState(position=position), "?", FlowContext("nb", None, {}))
    assert step.effects[0] == RecordAnswer(checkin.items[position].id, Answer())
