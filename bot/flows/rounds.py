"""Answering a round: offering, starting, resuming and feeding input to the flow engine.

The position lives in the ``response`` row and the answers in ``answer`` rows, so
any worker, after any restart, continues exactly where the person left off.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import metrics
from bot.events import Choice
from bot.flows import checkins, samson
from bot.invitations import minutes
from bot.turn import Turn
from core import flow
from core.instrument import instrument_named, load_instrument
from core.roles import COORDINATOR, may_answer
from core.survey import side_of_kind
from storage.models import Membership, Organisation, Response, Round, RoundStatus
from storage.people import membership_in
from storage.rounds import (
    advance_response,
    get_or_create_response,
    load_answers,
    open_rounds,
    response_context,
    save_answer,
    save_idea,
    share_idea,
)


async def _available(turn: Turn) -> list[tuple[Round, Response | None]]:
    """Open rounds the person may answer and has not completed, with their response if any."""
    partnership = await turn.partnership()
    if partnership is None:
        return []
    membership = await membership_in(turn.session, turn.person.id, partnership.id)  # type: ignore[arg-type]
    if membership is None:
        return []
    found = []
    for round_ in await open_rounds(turn.session, partnership.id):  # type: ignore[arg-type]
        if not may_answer(membership.role, round_.audience, round_.parent_round_id is not None,
                          organisation=membership.organisation_id is not None):
            continue
        response = (
            await turn.session.exec(
                select(Response).where(Response.round_id == round_.id, Response.person_id == turn.person.id)
            )
        ).first()
        if response is None or response.completed_at is None:
            found.append((round_, response))
    return found


async def facilitates(turn: Turn) -> bool:
    """Whether the person coordinates the current partnership without an organisation (answering no rounds)."""
    membership = await _own_membership(turn)
    return membership is not None and membership.role == COORDINATOR and membership.organisation_id is None


async def _own_membership(turn: Turn) -> Membership | None:
    partnership = await turn.partnership()
    return await membership_in(turn.session, turn.person.id, partnership.id) if partnership else None  # type: ignore[arg-type]


async def _none_open(turn: Turn) -> None:
    """Say no round is open for the person; a round they were in has closed, so typed text is no answer any more."""
    if turn.identity.awaiting == "round":
        turn.identity.awaiting = None
        turn.session.add(turn.identity)
    membership = await _own_membership(turn)
    if membership is None or membership.role != COORDINATOR:
        turn.say(turn.t("round.none_open"))
    elif membership.organisation_id is None and await open_rounds(turn.session, membership.partnership_id):
        turn.say(turn.t("round.no_organisation"))  # rounds are open, but not for them
    else:
        turn.say(turn.t("round.none_open_coordinator"))  # they open rounds: nobody will tell them of one


async def offer(turn: Turn) -> None:
    """Tell the person which rounds are open for them; go straight into a single one."""
    available = await _available(turn)
    if not available:
        await _none_open(turn)
        return
    if len(available) == 1:
        await begin(turn, available[0][0])
        return
    for round_, _ in available:
        instrument = load_instrument(round_.instrument_id, round_.instrument_version)
        turn.say(
            turn.t("round.offer", title=round_.title, count=len(instrument.items), minutes=minutes(instrument)),
            (Choice(f"/resume {round_.id}", turn.t("round.start")),),
        )


async def resume(turn: Turn, args: str) -> None:
    """Start or continue an open round. ``args``: a round id, an instrument's name ("checkin") or a round's title;
    or nothing: an idea begun in a round that has closed since, else the one the person was answering last, else
    one they began, else the first available."""
    wanted = args.strip()
    if not wanted and await _pending_idea(turn):
        return
    available = await _available(turn)
    if wanted:
        chosen = [(r, resp) for r, resp in available if _names(r, wanted)]
        if not chosen and available and not wanted.isdigit():  # never some other round than the one asked for
            names = " | ".join(f"/resume {r.instrument_id}" for r, _ in available)
            turn.say(turn.t("round.unknown_word", word=wanted, names=names), is_error=True)
            return
        available = chosen
    active = turn.identity.active_response_id
    available.sort(key=lambda found: (found[1] is None or found[1].id != active, found[1] is None))  # stable
    if not available:
        await _none_open(turn)
        return
    round_, _ = available[0]
    await begin(turn, round_)


async def _pending_idea(turn: Turn) -> bool:
    """Ask again for an idea begun in a round that closed since (it is still taken, see ``_after_close``)."""
    found = None
    if turn.identity.active_response_id:
        found = await response_context(turn.session, turn.identity.active_response_id)
    if found is None:
        return False
    response, round_, org = found
    state = _state(response)
    if round_.status == RoundStatus.open.value or state.finished or not (state.awaiting_idea or state.choosing_sharing):
        return False
    turn.identity.awaiting = "round"
    turn.session.add(turn.identity)
    turn.say(turn.t("round.closed_idea_pending", title=round_.title))
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
    step = flow.begin(instrument, state, flow.FlowContext(turn.lang, side_of(org), {}))
    turn.show(step.prompts[-1], question_ref(response.id, step.state))  # type: ignore[arg-type]
    return True


def _names(round_: Round, wanted: str) -> bool:
    """Whether ``wanted`` names the round: its id, its title, or its instrument (a residents' round: theirs too)."""
    if wanted.isdigit():
        return round_.id == int(wanted)
    named = instrument_named(wanted)
    residents_of = load_instrument(named).for_residents if named else None
    return round_.title.casefold() == wanted.casefold() or round_.instrument_id in (named, residents_of)


async def continue_active(turn: Turn) -> None:
    """Show the question of the round the person was answering again (after /lang: in the new language)."""
    if not turn.identity.active_response_id:
        return
    response = await turn.session.get(Response, turn.identity.active_response_id)
    if response is None or response.completed_at is not None:
        return
    round_ = await turn.session.get(Round, response.round_id)
    if round_ is not None and round_.status == RoundStatus.open.value:
        await begin(turn, round_)


async def begin(turn: Turn, round_: Round) -> None:
    """Show the person's current question in ``round_``."""
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
    response = await get_or_create_response(turn.session, round_, turn.person.id)  # type: ignore[arg-type]
    turn.identity.active_response_id = response.id
    turn.identity.awaiting = "round"
    turn.session.add(turn.identity)
    answers = await load_answers(turn.session, response.id)  # type: ignore[arg-type]
    state = _state(response)
    if answers or response.position:
        turn.say(turn.t("round.welcome_back", n=response.position + 1, total=len(instrument.items)))
    org = await turn.session.get(Organisation, response.organisation_id) if response.organisation_id else None
    step = flow.begin(instrument, state, flow.FlowContext(turn.lang, side_of(org), answers))
    for prompt in step.prompts:
        turn.show(prompt, question_ref(response.id, step.state))  # type: ignore[arg-type]


def _state(response: Response) -> flow.FlowState:
    return flow.FlowState(response.position, response.awaiting_idea, response.completed_at is not None,
                          response.choosing_sharing)


def question_ref(response_id: int, state: flow.FlowState) -> str:
    """Names the question a button was shown for: ``12.7``; ``12.7i`` while an idea is awaited, ``12.7s`` while
    its sharing is chosen."""
    suffix = "s" if state.choosing_sharing else "i" if state.awaiting_idea else ""
    return f"{response_id}.{state.position}{suffix}"


async def still_current(session: AsyncSession, ref: str) -> bool:
    """Whether the question ``ref`` names is still the one its response waits for."""
    response_id = ref.split(".", 1)[0]
    response = await session.get(Response, int(response_id)) if response_id.isdigit() else None
    return response is not None and response.completed_at is None and question_ref(response.id, _state(response)) == ref  # type: ignore[arg-type]


async def on_button(turn: Turn, raw: str) -> None:
    """A button on a question: accepted only if that question is still the current one."""
    found = None
    if turn.identity.active_response_id:
        found = await response_context(turn.session, turn.identity.active_response_id)
    if found is not None:
        response = found[0]
        state = _state(response)
        if response.completed_at is None and turn.event.ref == question_ref(response.id, state):  # type: ignore[arg-type]
            if turn.identity.awaiting != "round":  # a button after a pause resumes
                turn.identity.awaiting = "round"
                turn.session.add(turn.identity)
            await on_input(turn, raw, found)
            return
    turn.say(turn.t("stale"), notice=True)


async def _store_idea(turn: Turn, response: Response, effect: flow.Effect) -> None:
    """Store an idea's text or its author's choice of who sees it (other effects are not about ideas)."""
    if isinstance(effect, flow.RecordIdea):
        await save_idea(turn.session, response.id, effect.item_id, effect.text)  # type: ignore[arg-type]
    elif isinstance(effect, flow.ShareIdea):
        await share_idea(turn.session, response.id, effect.item_id, effect.sharing.value)  # type: ignore[arg-type]


async def _after_close(turn: Turn, response: Response, round_: Round, org: Organisation | None, raw: str) -> None:
    """Input for a round that has closed: no more answers, but an idea begun before the close is still
    taken, with its author's choice of who sees it (ideas are not part of the published result)."""
    state = _state(response)
    effects: list[flow.Effect] = []
    if state.awaiting_idea or state.choosing_sharing:
        instrument = load_instrument(round_.instrument_id, round_.instrument_version)
        step = flow.advance(instrument, state, raw, flow.FlowContext(turn.lang, side_of(org), {}))
        if not await advance_response(turn.session, response, state, step.state, False):
            turn.say(turn.t("answer.already"), notice=True)
            return
        effects = step.effects
        for effect in effects:
            await _store_idea(turn, response, effect)
        paused = any(isinstance(effect, flow.Paused) for effect in effects)
        if (step.state.awaiting_idea or step.state.choosing_sharing) and not paused:  # the sharing question, or the idea again
            for prompt in step.prompts:
                turn.show(prompt, question_ref(response.id, step.state))  # type: ignore[arg-type]
            return
    turn.identity.awaiting = None
    turn.session.add(turn.identity)
    shared = next((effect.sharing for effect in effects if isinstance(effect, flow.ShareIdea)), None)
    if shared is not None:
        turn.say(turn.t("round.closed_idea_saved", choice=turn.t(f"idea.share.{shared.value}")) + " "
                 + turn.t("round.closed_no_more"))
    elif state.choosing_sharing:  # left the choice: the idea stays with the coordinators, as in an open round
        turn.say(turn.t("idea.kept_for_coordinators") + " " + turn.t("round.closed_no_more"))
    else:
        turn.say(turn.t("round.closed"))


def side_of(org: Organisation | None) -> str | None:
    """The respondent's side for side-dependent wording: the municipality, or (any other kind) the other side."""
    return side_of_kind(org.kind) if org else None


async def on_input(turn: Turn, raw: str,
                   found: tuple[Response, Round, Organisation | None] | None = None) -> None:
    """Feed one typed line or button value to the active round (``found``: its context, when already loaded)."""
    if found is None:
        found = await response_context(turn.session, turn.identity.active_response_id)  # type: ignore[arg-type]
    if found is None:
        turn.identity.awaiting = None
        turn.identity.active_response_id = None
        turn.session.add(turn.identity)
        turn.say(turn.t("idle_text"))
        return
    response, round_, org = found
    if round_.status != RoundStatus.open.value:
        await _after_close(turn, response, round_, org, raw)
        return
    instrument = load_instrument(round_.instrument_id, round_.instrument_version)
    answers = await load_answers(turn.session, response.id)  # type: ignore[arg-type]
    state = _state(response)
    step = flow.advance(instrument, state, raw, flow.FlowContext(turn.lang, side_of(org), answers))
    completed = any(isinstance(effect, flow.Completed) for effect in step.effects)
    # The version check: the answer counts only if the response is still where this input saw it
    # (a double tap, or the same person on two workers, stores one answer).
    if (step.effects or step.state != state) and not await advance_response(
            turn.session, response, state, step.state, completed):
        turn.say(turn.t("answer.already"), notice=True)
        return
    for effect in step.effects:
        if isinstance(effect, flow.RecordAnswer):
            await save_answer(turn.session, response.id, effect.item_id, effect.answer)  # type: ignore[arg-type]
            metrics.ANSWERS.inc()
        elif isinstance(effect, flow.RecordIdea | flow.ShareIdea):
            await _store_idea(turn, response, effect)
        elif isinstance(effect, flow.Paused):
            turn.identity.awaiting = None
            turn.session.add(turn.identity)
    if completed and instrument.kind == "scorecard":  # the thanks go with the profile: one photo and its text
        turn.identity.awaiting = None
        turn.identity.active_response_id = None
        turn.session.add(turn.identity)
        await turn.session.flush()
        await samson.on_completed(turn, response, [prompt.text for prompt in step.prompts])
        return
    if completed and instrument.kind == "survey":
        step = flow.Step(step.state, [flow.Prompt(turn.t("survey.done"))], step.effects)
    for prompt in step.prompts:
        turn.show(prompt, question_ref(response.id, step.state))  # type: ignore[arg-type]
    if completed:
        turn.identity.awaiting = None
        turn.identity.active_response_id = None
        turn.session.add(turn.identity)
        await turn.session.flush()
        if instrument.kind == "checkin":
            await checkins.on_completed(turn, round_, response)
