"""Live dialogue sessions in a bound channel: owns starting, voting, showing, moving on, pausing and ending.

One statement at a time is posted with 1–10 and "can't say". Each vote is private
(a toast or an ephemeral message); the message shows only how many have voted.
"Show" reveals the distribution (counts and median, no names) only from k votes, and
closes voting on that statement, so nothing shown can be subtracted later. The votes
are the answers of a round with the audience "session"; ending the session closes
that round, which publishes it through the gate like any other.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from bot import actions, round_lifecycle
from bot.actions import ActionError
from bot.events import Audience, Choice, Reply
from bot.turn import Turn
from core.dialogue import CANT_SAY, bars, distribution, statements
from core.flow import Answer as FlowAnswer
from core.i18n import t
from core.instrument import Item, load_instrument
from core.roles import COORDINATOR, SESSION
from storage.channels import binding_of
from storage.models import Answer, DialogueSession, Partnership, Response, Round, utcnow
from storage.people import membership_in
from storage.rounds import RoundError, get_or_create_response, open_round, save_answer

ACTIVE, PAUSED, ENDED = "active", "paused", "ended"


async def _here(turn: Turn) -> tuple[Partnership, str] | None:
    """The partnership bound to this channel and the person's role in it; says why not otherwise."""
    event = turn.event
    binding = None if event.private else await binding_of(turn.session, event.platform, event.workspace, event.channel)
    if binding is None:
        turn.say(turn.t("session.channel_only"), is_error=True)
        return None
    partnership = await turn.session.get(Partnership, binding.partnership_id)
    membership = await membership_in(turn.session, turn.person.id, binding.partnership_id)  # type: ignore[arg-type]
    if partnership is None or membership is None:
        turn.say(turn.t("not_member"), is_error=True)
        return None
    return partnership, membership.role


async def _current(turn: Turn, *, lock: bool = False) -> DialogueSession | None:
    """The channel's running session; ``lock`` holds its row until the turn commits (PostgreSQL), so taps on it
    are applied one at a time and each vote count includes the votes before it."""
    event = turn.event
    query = select(DialogueSession).where(
        DialogueSession.platform == event.platform, DialogueSession.workspace == event.workspace,
        DialogueSession.channel == event.channel, DialogueSession.status != ENDED)
    return (await turn.session.exec(query.with_for_update() if lock else query)).first()


def _items(dialogue: DialogueSession) -> list[Item]:
    return statements(load_instrument("samson"), dialogue.field_id)


def _ref(dialogue: DialogueSession) -> str:
    return f"{dialogue.id}.{dialogue.position}"


async def _votes(turn: Turn, dialogue: DialogueSession, item: Item) -> list[float | None]:
    rows = (await turn.session.exec(
        select(Answer.number).join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == dialogue.round_id, Answer.item_id == item.id))).all()
    return list(rows)


async def _message(turn: Turn, dialogue: DialogueSession, lang: str, *, final: bool = False) -> Reply:
    """The statement message as it stands: text, votes or distribution, and its buttons."""
    items = _items(dialogue)
    item = items[dialogue.position]
    votes = await _votes(turn, dialogue, item)
    lines = [t(lang, "session.statement", n=dialogue.position + 1, total=len(items), text=item.wording(lang))]
    if dialogue.shown:
        dist = distribution(votes, (1, 10))
        lines += ["", t(lang, "session.distribution", n=dist.voters, median=f"{dist.median:g}"), *bars(dist)]
        if dist.cant_say:
            lines.append(t(lang, "session.cant_say", n=dist.cant_say))
    else:
        lines.append(t(lang, "session.votes", n=len(votes)))
    if dialogue.status == PAUSED:
        lines.append(t(lang, "session.paused"))
    if final or dialogue.status == PAUSED:
        return Reply("\n".join(lines), in_place=True)
    ref = _ref(dialogue)
    choices: list[Choice] = []
    if not dialogue.shown:
        choices += [Choice(f"/session vote {ref} {v}", str(v)) for v in range(1, 11)]
        choices += [Choice(f"/session vote {ref} {CANT_SAY}", t(lang, "choice.na")),
                    Choice(f"/session show {ref}", t(lang, "session.button.show"))]
    choices += [Choice(f"/session next {ref}", t(lang, "session.button.next")),
                Choice(f"/session propose {ref}", t(lang, "session.button.propose")),
                Choice(f"/session pause {ref}", t(lang, "session.button.pause"))]
    return Reply("\n".join(lines), tuple(choices), in_place=True)


async def _move(turn: Turn, dialogue: DialogueSession, **values: object) -> bool:
    """Change the session only if nobody changed it since it was read (two facilitators, two workers)."""
    result = await turn.session.exec(  # type: ignore[call-overload]
        update(DialogueSession).where(col(DialogueSession.id) == dialogue.id,
                                      col(DialogueSession.version) == dialogue.version)
        .values(**values, version=dialogue.version + 1, updated_at=utcnow()))
    if result.rowcount != 1:
        return False
    await turn.session.refresh(dialogue)
    return True


def _post(reply: Reply) -> Reply:
    """A session message posted anew in the channel (not replacing the tapped one)."""
    return Reply(reply.text, reply.choices, audience=Audience.CHAT)


async def start(turn: Turn, args: str) -> None:
    """``/session start [1–7]`` by a coordinator in a bound channel: the first statement is posted."""
    found = await _here(turn)
    if found is None:
        return
    partnership, role = found
    if role != COORDINATOR:
        turn.say(turn.t("coord.only", partnership=partnership.name), is_error=True)
        return
    if await _current(turn) is not None:
        turn.say(turn.t("session.running"), is_error=True)
        return
    field_id = None
    if args.strip():
        fields = load_instrument("samson").fields
        if not (args.strip().isdigit() and 1 <= int(args.strip()) <= len(fields)):
            turn.say(turn.t("session.usage"), is_error=True)
            return
        field_id = fields[int(args.strip()) - 1].id
    title = t(partnership.lang, "session.round_title", day=utcnow().date().isoformat())
    try:
        round_ = await open_round(turn.session, partnership, "samson", title=title, audience=SESSION)
    except RoundError as exc:
        turn.say(exc.text(turn.lang), is_error=True)
        return
    event = turn.event
    dialogue = DialogueSession(partnership_id=partnership.id, round_id=round_.id, platform=event.platform,  # type: ignore[arg-type]
                               workspace=event.workspace, channel=event.channel, field_id=field_id,
                               started_by=turn.person.id)
    turn.session.add(dialogue)
    await turn.session.flush()
    lang = partnership.lang
    intro = t(lang, "session.started", n=len(_items(dialogue)), k=partnership.k_threshold)
    turn.say(intro, audience=Audience.CHAT)
    turn.replies.append(_post(await _message(turn, dialogue, lang)))


async def _tapped(turn: Turn, ref: str) -> tuple[Partnership, str, DialogueSession] | None:
    """The session a button belongs to, if it is still on that statement; a notice otherwise."""
    found = await _here(turn)
    if found is None:
        return None
    dialogue = await _current(turn, lock=True)
    if dialogue is None or _ref(dialogue) != ref or dialogue.status != ACTIVE:
        turn.say(turn.t("session.moved_on"), notice=True)
        return None
    return found[0], found[1], dialogue


async def _facilitated(turn: Turn, ref: str) -> tuple[Partnership, DialogueSession] | None:
    """Like ``_tapped``, for the buttons only a coordinator (the facilitator) may press."""
    found = await _tapped(turn, ref)
    if found is None:
        return None
    partnership, role, dialogue = found
    if role != COORDINATOR:
        turn.say(turn.t("session.facilitator_only"), notice=True)
        return None
    return partnership, dialogue


async def vote(turn: Turn, ref: str, value: str) -> None:
    """A member's vote (or a change of it) on the current statement; only the count is shown."""
    found = await _tapped(turn, ref)
    if found is None:
        return
    partnership, _role, dialogue = found
    if dialogue.shown:
        turn.say(turn.t("session.voting_closed"), notice=True)
        return
    if not (value == CANT_SAY or value.isdigit() and 1 <= int(value) <= 10):
        turn.say(turn.t("session.usage"), is_error=True)
        return
    round_ = await turn.session.get(Round, dialogue.round_id)
    assert round_ is not None
    response = await get_or_create_response(turn.session, round_, turn.person.id)  # type: ignore[arg-type]
    item = _items(dialogue)[dialogue.position]
    await save_answer(turn.session, response.id, item.id,  # type: ignore[arg-type]
                      FlowAnswer(None if value == CANT_SAY else float(value), None))
    if turn.event.can_ephemeral:  # on Telegram the tap's own answer said it already
        shown = turn.t("choice.na") if value == CANT_SAY else value
        turn.say(turn.t("session.voted", value=shown), audience=Audience.EPHEMERAL)
    turn.replies.append(await _message(turn, dialogue, partnership.lang))


async def show(turn: Turn, ref: str) -> None:
    """The facilitator shows the distribution: only from k votes; voting on the statement closes."""
    found = await _facilitated(turn, ref)
    if found is None:
        return
    partnership, dialogue = found
    votes = [v for v in await _votes(turn, dialogue, _items(dialogue)[dialogue.position]) if v is not None]
    if len(votes) < partnership.k_threshold:
        turn.say(turn.t("session.show_refused", n=len(votes), k=partnership.k_threshold), notice=True)
        return
    if await _move(turn, dialogue, shown=True):
        turn.replies.append(await _message(turn, dialogue, partnership.lang))


async def next_statement(turn: Turn, ref: str) -> None:
    """The facilitator moves on; after the last statement the session ends and is published."""
    found = await _facilitated(turn, ref)
    if found is None:
        return
    partnership, dialogue = found
    done = await _message(turn, dialogue, partnership.lang, final=True)
    if dialogue.position + 1 >= len(_items(dialogue)):
        turn.replies.append(done)
        await _end(turn, partnership, dialogue)
        return
    if await _move(turn, dialogue, position=dialogue.position + 1, shown=False):
        turn.replies += [done, _post(await _message(turn, dialogue, partnership.lang))]


async def pause(turn: Turn, ref: str) -> None:
    """The facilitator pauses; ``/session continue`` picks up at the same statement, another day if need be."""
    found = await _facilitated(turn, ref)
    if found is None:
        return
    partnership, dialogue = found
    if await _move(turn, dialogue, status=PAUSED):
        turn.replies.append(await _message(turn, dialogue, partnership.lang))


async def resume(turn: Turn) -> None:
    """``/session continue``: the current statement is posted again."""
    found = await _here(turn)
    dialogue = await _current(turn) if found else None
    if found is None:
        return
    partnership, role = found
    if dialogue is None:
        turn.say(turn.t("session.none"), is_error=True)
        return
    if role != COORDINATOR:
        turn.say(turn.t("session.facilitator_only"), is_error=True)
        return
    if dialogue.status == PAUSED:
        await _move(turn, dialogue, status=ACTIVE)
    turn.replies.append(_post(await _message(turn, dialogue, partnership.lang)))


async def end(turn: Turn) -> None:
    """``/session end``: the session ends early; its votes are published as a round."""
    found = await _here(turn)
    dialogue = await _current(turn) if found else None
    if found is None:
        return
    partnership, role = found
    if dialogue is None or role != COORDINATOR:
        turn.say(turn.t("session.none" if dialogue is None else "session.facilitator_only"), is_error=True)
        return
    await _end(turn, partnership, dialogue)


async def _end(turn: Turn, partnership: Partnership, dialogue: DialogueSession) -> None:
    if not await _move(turn, dialogue, status=ENDED):
        return
    now = utcnow()
    responses = (await turn.session.exec(select(Response).where(Response.round_id == dialogue.round_id))).all()
    for response in responses:
        response.completed_at = response.completed_at or now
        turn.session.add(response)
    await turn.session.flush()
    round_ = await turn.session.get(Round, dialogue.round_id)
    assert round_ is not None
    closed = await round_lifecycle.close(turn.session, partnership, round_)
    turn.outbox_written = turn.outbox_written or closed.messages > 0
    key = "session.ended" if closed.shown else "session.ended_withheld"
    turn.say(t(partnership.lang, key, title=round_.title, n=closed.completed, k=partnership.k_threshold),
             audience=Audience.CHAT)


async def propose(turn: Turn, text: str) -> None:
    """``/session propose TEXT`` (the button explains it): an idea for the statement's field, in the register."""
    found = await _here(turn)
    dialogue = await _current(turn) if found else None
    if found is None:
        return
    partnership, _role = found
    if not text.strip() or text.strip().replace(".", "").isdigit():  # the button itself, with its reference
        turn.say(turn.t("session.propose_how"), notice=True)
        return
    try:
        action = await actions.add(turn.session, partnership, turn.person, text, source="session")
    except ActionError as exc:
        turn.say(turn.t(exc.key, **exc.params), is_error=True)
        return
    if dialogue is not None:
        section = load_instrument("samson").section_of(_items(dialogue)[dialogue.position].id)
        action.serves = section.id
        turn.session.add(action)
    turn.say(t(partnership.lang, "session.proposed", number=action.id, text=action.text,
               name=turn.person.display_name), audience=Audience.CHAT)
