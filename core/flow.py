"""The flow engine: (instrument, state, input) → new state, prompts and effects.

Pure code: no I/O. The caller persists the effects (answers, action ideas,
completion) together with the new state, then shows the prompts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from core.disclosure import Sharing
from core.i18n import answer_words, t
from core.i18n import listing as i18n_listing
from core.instrument import Instrument, Item


def _labels(key: str) -> set[str]:
    """A button's label in every language, as someone might type it (without its emoji)."""
    from core.i18n import catalogue

    return {" ".join(word for word in text.lower().split() if any(ch.isalpha() for ch in word))
            for text in catalogue()[key].values() if isinstance(text, str)} - {""}


# Control words, typed or sent as button values. Buttons send the first form; the button labels in
# every configured language may be typed too.
BACK = {"back", "/back", "tilbake", "tillbaka"} | _labels("choice.back")
PAUSE = {"pause", "/pause", "quit", "/quit", "stop", "stopp", "avslutt", "avsluta", "paus"} | _labels("choice.pause")
CANT_SAY = ({"na", "?", "؟", "n/a", "can't say", "cant say", "don't know", "vet ikke", "vet inte", "vet ej", "لا أعرف"}
            | _labels("choice.na"))
SKIP = {"skip", "/skip", "hopp over", "hoppa över", "hoppa over"} | _labels("choice.skip")
IDEA = {"idea", "/idea", "idé", "ide", "💡"} | _labels("choice.idea")
CANCEL = {"cancel", "avbryt"} | _labels("choice.cancel")
EXPLAIN = {"explain", "/explain", "forklar", "förklara", "ℹ", "?!"} | _labels("choice.explain")
_DECIMAL = re.compile(r"\d+[.,٫]\d+")
IDEA_PREFIXES = ("idea:", "idé:", "ide:", "ідея:", "فكرة:", "fikrad:", "ሓሳብ:")
SHARING_ORDER = (Sharing.NAMED, Sharing.ANONYMOUS, Sharing.COORDINATORS)


@dataclass(frozen=True)
class Answer:
    """A stored answer: a number, a text or a choice id; ``None`` value means can't say / skipped."""

    number: float | None = None
    text: str | None = None

    @property
    def is_blank(self) -> bool:
        """True for "can't say" or a skipped item."""
        return self.number is None and self.text is None


@dataclass(frozen=True)
class FlowState:
    """Where a respondent is: the item position and whether an action idea is awaited."""

    position: int = 0
    awaiting_idea: bool = False
    finished: bool = False
    choosing_sharing: bool = False
    """An idea was just typed; its author is choosing who may see it."""


@dataclass(frozen=True)
class FlowContext:
    """What the engine needs to know about the respondent."""

    lang: str
    side: str | None = None
    answers: Mapping[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    """A button: the value sent back, and its label."""

    value: str
    label: str


@dataclass(frozen=True)
class InputSpec:
    """What the current prompt accepts, for adapters that pick a widget (e.g. a number modal)."""

    kind: Literal["scale", "choice", "text", "idea"]
    min: int | None = None
    max: int | None = None
    can_say_na: bool = False
    can_skip: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class Prompt:
    """Something to show: composed text, buttons and, for questions, what they accept."""

    text: str
    choices: tuple[Choice, ...] = ()
    item_id: str | None = None
    progress: tuple[int, int] | None = None
    accepts: InputSpec | None = None
    is_error: bool = False


@dataclass(frozen=True)
class RecordAnswer:
    """Effect: store this answer (replacing an earlier one for the item)."""

    item_id: str
    answer: Answer


@dataclass(frozen=True)
class RecordIdea:
    """Effect: store an action idea for an item."""

    item_id: str
    text: str


@dataclass(frozen=True)
class ShareIdea:
    """Effect: the author's choice of who may see the idea for an item."""

    item_id: str
    sharing: Sharing


@dataclass(frozen=True)
class Completed:
    """Effect: the respondent answered the last item."""


@dataclass(frozen=True)
class Paused:
    """Effect: the respondent paused; the state stays where it is."""


Effect = RecordAnswer | RecordIdea | ShareIdea | Completed | Paused


@dataclass(frozen=True)
class Step:
    """The result of one engine call."""

    state: FlowState
    prompts: list[Prompt]
    effects: list[Effect] = field(default_factory=list)


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _norm(raw: str) -> str:
    return " ".join(raw.strip().lower().split())


def _format_answer(instrument: Instrument, item: Item, answer: Answer, lang: str) -> str:
    if answer.is_blank:
        scale = instrument.scale_of(item)
        return t(lang, "choice.na") if scale and scale.na else t(lang, "choice.skip")
    if item.type == "choice":
        return next((o.label.get(lang) for o in item.options if o.id == answer.text), answer.text or "")
    if answer.number is not None:
        return f"{answer.number:g}"
    text = answer.text or ""
    return text if len(text) <= 80 else text[:77] + "…"


def question(instrument: Instrument, state: FlowState, ctx: FlowContext, *, header: bool = True) -> Prompt:
    """The prompt for the item at ``state.position``."""
    lang = ctx.lang
    items = instrument.items
    item = items[state.position]
    total = len(items)
    lines: list[str] = []
    section = instrument.section_of(item.id)
    if header and (section.items[0].id == item.id or state.position == 0):
        lines.append(_section_title(instrument, section.id, lang))
        if section.intro:
            lines.append(section.intro.get(lang))
    lines.append(f"({t(lang, 'flow.progress', n=state.position + 1, total=total)}) {item.wording(lang, ctx.side)}")
    choices: list[Choice] = []
    spec: InputSpec
    if item.type == "scale":
        scale = instrument.scale_of(item)
        assert scale is not None
        choices += [Choice(str(v), str(v)) for v in scale.button_values()]
        if scale.labels:
            parts = [f"{k} = {v.get(lang)}" for k, v in sorted(scale.labels.items())]
            lines.append(" · ".join(parts))
        if scale.na:
            choices.append(Choice("na", t(lang, "choice.na")))
        if scale.skip or item.optional:
            choices.append(Choice("skip", t(lang, "choice.skip")))
        if not scale.button_values():
            lines.append(t(lang, "flow.type_number", min=scale.min, max=scale.max))
        elif scale.max - scale.min > 10:
            lines.append(t(lang, "flow.tap_or_type", min=scale.min, max=scale.max))
        spec = InputSpec("scale", scale.min, scale.max, scale.na, scale.skip or item.optional)
    elif item.type == "choice":
        choices += [Choice(o.id, o.label.get(lang)) for o in item.options]
        if item.optional:
            choices.append(Choice("skip", t(lang, "choice.skip")))
        spec = InputSpec("choice", can_skip=item.optional)
    else:
        lines.append(t(lang, "flow.type_text_optional" if item.optional else "flow.type_text"))
        if item.optional:
            choices.append(Choice("skip", t(lang, "choice.skip")))
        spec = InputSpec("text", can_skip=item.optional, max_length=item.max_length)
    if item.action_idea:
        choices.append(Choice("idea", t(lang, "choice.idea")))
    if item.explain:
        choices.append(Choice("explain", t(lang, "choice.explain")))
    if state.position > 0:
        choices.append(Choice("back", t(lang, "choice.back")))
    choices.append(Choice("pause", t(lang, "choice.pause")))
    previous = ctx.answers.get(item.id)
    if previous is not None:
        lines.append(t(lang, "flow.your_answer", answer=_format_answer(instrument, item, previous, lang)))
    return Prompt(
        text="\n".join(lines),
        choices=tuple(choices),
        item_id=item.id,
        progress=(state.position + 1, total),
        accepts=spec,
    )


def _section_title(instrument: Instrument, section_id: str, lang: str) -> str:
    section = next(s for s in instrument.sections if s.id == section_id)
    if section.role == "field":
        fields = instrument.fields
        n = fields.index(section) + 1
        return t(lang, "flow.field_header", n=n, total=len(fields), title=section.title.get(lang))
    return f"— {section.title.get(lang)} —"


def begin(instrument: Instrument, state: FlowState, ctx: FlowContext) -> Step:
    """Show where the respondent is (for a new start or a resume)."""
    if state.finished:
        return Step(state, [Prompt(t(ctx.lang, "flow.already_done"))])
    prompts = []
    if state.position == 0 and not ctx.answers and instrument.intro:
        prompts.append(Prompt(f"{instrument.title.get(ctx.lang)}\n{instrument.intro.get(ctx.lang)}"))
    if state.choosing_sharing:
        prompts.append(_sharing_prompt(instrument, state, ctx.lang))
    elif state.awaiting_idea:
        prompts.append(_idea_prompt(instrument, state, ctx.lang))
    else:
        prompts.append(question(instrument, state, ctx, header=True))
    return Step(state, prompts)


def _idea_prompt(instrument: Instrument, state: FlowState, lang: str) -> Prompt:
    item = instrument.items[state.position]
    label = item.subtheme.get(lang) if item.subtheme else item.wording(lang)[:60]
    return Prompt(
        t(lang, "idea.ask", subtheme=label),
        choices=(Choice("skip", t(lang, "choice.cancel")),),
        item_id=item.id,
        accepts=InputSpec("idea", max_length=item.max_length, can_skip=True),
    )


def _sharing_prompt(instrument: Instrument, state: FlowState, lang: str) -> Prompt:
    item = instrument.items[state.position]
    return Prompt(
        t(lang, "idea.share_ask"),
        choices=tuple(Choice(s.value, t(lang, f"idea.share.{s.value}")) for s in SHARING_ORDER),
        item_id=item.id,
        accepts=InputSpec("choice"),
    )


def _sharing_of(raw: str, lang: str) -> Sharing | None:
    norm = _norm(raw)
    for number, sharing in enumerate(SHARING_ORDER, start=1):
        if norm in {sharing.value, str(number), _norm(t(lang, f"idea.share.{sharing.value}"))}:
            return sharing
    return None


def _error(instrument: Instrument, state: FlowState, ctx: FlowContext, message: str) -> Step:
    """Re-prompt the same item after ``message``, changing nothing."""
    if state.choosing_sharing:
        follow = _sharing_prompt(instrument, state, ctx.lang)
    elif state.awaiting_idea:
        follow = _idea_prompt(instrument, state, ctx.lang)
    else:
        follow = question(instrument, state, ctx, header=False)
    return Step(state, [Prompt(message, is_error=True), follow])


def _parse(instrument: Instrument, item: Item, raw: str, lang: str) -> Answer:
    """Turn input into an answer for ``item`` or raise _Invalid with a clear message."""
    text = raw.strip()
    norm = _norm(raw)
    if item.type == "scale":
        scale = instrument.scale_of(item)
        assert scale is not None
        if norm in CANT_SAY and scale.na:
            return Answer()
        if norm in SKIP and (scale.skip or item.optional):
            return Answer()
        extra = ""
        if scale.na:
            extra = t(lang, "err.or_na")
        elif scale.skip or item.optional:
            extra = t(lang, "err.or_skip")
        expect = t(lang, "err.number", min=scale.min, max=scale.max, extra=extra)
        if not norm:
            raise _Invalid(t(lang, "err.empty") + " " + expect)
        try:
            value = int(norm)
        except ValueError:
            if _DECIMAL.fullmatch(norm):  # "7,5" is a number, just not a whole one: the rule says what to do
                raise _Invalid(expect) from None
            if norm in SKIP:
                lead = t(lang, "err.no_skip")
            elif norm in CANT_SAY:  # this scale has no "can't say": its middle is for "neutral or not relevant"
                lead = t(lang, "err.no_na") + (" " + t(lang, "err.neutral", neutral=scale.neutral)
                                               if scale.neutral is not None else "")
            elif norm in IDEA or norm.startswith(IDEA_PREFIXES):
                lead = t(lang, "err.no_idea")
            else:
                lead = t(lang, "err.not_number")
            raise _Invalid(lead + " " + expect) from None
        if not scale.min <= value <= scale.max:
            raise _Invalid(t(lang, "err.out_of_range", value=value) + " " + expect)
        return Answer(number=float(value))
    if item.type == "choice":
        if norm in SKIP and item.optional:
            return Answer()
        firsts = [_norm(option.label.get(lang)).split(" ")[0].rstrip(",") for option in item.options]
        for i, option in enumerate(item.options, start=1):
            typed = {option.id, str(i), _norm(option.label.get(lang))}
            if firsts.count(firsts[i - 1]) == 1:  # "ja" for "Ja, det går bra", when no other option starts so
                typed.add(firsts[i - 1])
            if option.id in ("yes", "no"):
                typed |= answer_words(option.id)
            if norm in typed:
                return Answer(text=option.id)
        listing = i18n_listing(lang, (f"{i} = {o.label.get(lang)}" for i, o in enumerate(item.options, 1)))
        lead = t(lang, "err.empty") if not norm else t(lang, "err.unknown_choice")
        raise _Invalid(f"{lead} {t(lang, 'err.choose', options=listing)}")
    # free text
    if (norm in SKIP or norm in CANT_SAY) and item.optional:  # "?" is "don't know", never the text "?"
        return Answer()
    if not norm:
        key = "flow.type_text_optional" if item.optional else "flow.type_text"
        raise _Invalid(t(lang, "err.empty") + " " + t(lang, key))
    if len(text) > item.max_length:
        raise _Invalid(t(lang, "err.too_long", length=len(text), max=item.max_length))
    return Answer(text=text)


def advance(instrument: Instrument, state: FlowState, raw: str, ctx: FlowContext) -> Step:
    """Apply one input (a typed line or a button value) to the flow."""
    lang = ctx.lang
    items = instrument.items
    if state.finished:
        return Step(state, [Prompt(t(lang, "flow.already_done"))])
    norm = _norm(raw)
    item = items[state.position]

    if norm in PAUSE:
        return Step(replace(state, awaiting_idea=False), [Prompt(t(lang, "flow.paused"))], [Paused()])

    if state.choosing_sharing:
        back = replace(state, choosing_sharing=False)
        if norm in BACK or norm in SKIP or norm in CANCEL:
            return Step(back, [Prompt(t(lang, "idea.kept_for_coordinators")), question(instrument, back, ctx)])
        sharing = _sharing_of(raw, lang)
        if sharing is None:
            return _error(instrument, state, ctx, t(lang, "idea.share_required"))
        prompts = [Prompt(t(lang, f"idea.saved.{sharing.value}")), question(instrument, back, ctx, header=False)]
        return Step(back, prompts, [ShareIdea(item.id, sharing)])

    if norm in BACK:
        if state.awaiting_idea:
            back = replace(state, awaiting_idea=False)
            return Step(back, [question(instrument, back, ctx)])
        if state.position == 0:
            return _error(instrument, state, ctx, t(lang, "flow.first"))
        back = replace(state, position=state.position - 1)
        return Step(back, [question(instrument, back, ctx)])

    if state.awaiting_idea:
        if norm in SKIP or norm in CANCEL:
            back = replace(state, awaiting_idea=False)
            return Step(back, [question(instrument, back, ctx, header=False)])
        return _save_idea(instrument, state, ctx, raw)

    if item.explain and norm in EXPLAIN:
        return Step(state, [Prompt("ℹ " + item.explain.get(lang)), question(instrument, state, ctx, header=False)])

    if item.action_idea:
        if norm in IDEA:
            return Step(replace(state, awaiting_idea=True), [_idea_prompt(instrument, state, lang)])
        for prefix in IDEA_PREFIXES:
            if norm.startswith(prefix):
                return _save_idea(instrument, state, ctx, raw.strip()[len(prefix):])

    try:
        answer = _parse(instrument, item, raw, lang)
    except _Invalid as bad:
        return _error(instrument, state, ctx, bad.message)

    effects: list[Effect] = [RecordAnswer(item.id, answer)]
    answers = {**ctx.answers, item.id: answer}
    nxt = state.position + 1
    if nxt >= len(items):
        done = FlowState(position=state.position, finished=True)
        return Step(done, [Prompt(t(lang, "flow.done", total=len(items)))], [*effects, Completed()])
    new_state = FlowState(position=nxt)
    ctx2 = FlowContext(lang, ctx.side, answers)
    return Step(new_state, [question(instrument, new_state, ctx2)], effects)


def _save_idea(instrument: Instrument, state: FlowState, ctx: FlowContext, raw: str) -> Step:
    item = instrument.items[state.position]
    text = raw.strip()
    waiting = replace(state, awaiting_idea=True)
    if not text:
        return _error(instrument, waiting, ctx, t(ctx.lang, "err.empty") + " " + t(ctx.lang, "idea.hint"))
    if len(text) > item.max_length:
        return _error(
            instrument, waiting, ctx, t(ctx.lang, "err.too_long", length=len(text), max=item.max_length)
        )
    choosing = replace(state, awaiting_idea=False, choosing_sharing=True)
    return Step(choosing, [_sharing_prompt(instrument, choosing, ctx.lang)], [RecordIdea(item.id, text)])
