"""/action (add an idea, agree it, move it on), /actions (the open actions) and /ideas (ideas not yet agreed)."""

from __future__ import annotations

from bot import actions
from bot.actions import STATUS_WORDS, ActionError
from bot.handlers.coordination import coordinator_partnership
from bot.turn import Turn
from core.roles import COORDINATOR, RESIDENT
from core.schedule import ScheduleError, parse_due
from storage.actions import OPEN
from storage.models import ActionStatus, Partnership
from storage.people import membership_in

FIELD_WORDS = {"felt", "fält", "field", "feltet", "fältet"}
"""A word before the field's number in ``/action agree``, which changes nothing."""
LIST_LIMIT = 10
"""Open actions shown one message each, with buttons; the rest as lines."""


async def _member(turn: Turn) -> tuple[Partnership, str] | None:
    partnership = await turn.partnership()
    membership = await membership_in(turn.session, turn.person.id, partnership.id) if partnership else None  # type: ignore[arg-type,union-attr]
    if partnership is None or membership is None:
        turn.say(turn.t("not_member"), is_error=True)
        return None
    return partnership, membership.role


async def action_command(turn: Turn, args: str) -> None:
    """``/action add TEXT``, ``/action agree N ORGANISATION DATE [FIELD]``, ``/action N done|progress|drop``."""
    words = [w for w in args.split() if w.lower() not in FIELD_WORDS]  # "… 2027-03-01 felt 4": the field's number
    head = words[0].lower() if words else ""
    try:
        if head in ("add", "ny", "new", "lägg"):
            await _add(turn, args.strip()[len(words[0]):])
        elif head in ("agree", "avtal", "enig"):
            await _agree(turn, words[1:])
        elif head.lstrip("#").isdigit() and len(words) == 2 and words[1].lower() in STATUS_WORDS:
            await _status(turn, int(head.lstrip("#")), STATUS_WORDS[words[1].lower()])
        else:
            turn.say(turn.t("action.usage"), is_error=True)
    except ActionError as exc:
        turn.say(turn.t(exc.key, **exc.params), is_error=True)


async def _add(turn: Turn, text: str) -> None:
    found = await _member(turn)
    if found is None:
        return
    partnership, role = found
    if role == RESIDENT and not text.strip():
        raise ActionError("action.add_usage")
    action = await actions.add(turn.session, partnership, turn.person, text)
    turn.say(turn.t("action.added", number=action.id))


async def _agree(turn: Turn, words: list[str]) -> None:
    partnership = await coordinator_partnership(turn)
    if partnership is None:
        return
    if len(words) < 3 or not words[0].lstrip("#").isdigit():
        raise ActionError("action.agree_usage")
    today = actions.local_today(partnership)
    problem = ""
    for at in (len(words) - 1, len(words) - 2):  # the due date ends the line, or comes before the field
        if at < 2:
            continue
        try:
            due = parse_due(words[at], today)
        except ScheduleError as exc:  # the error about the word that looks most like a date is the one to show
            if not problem or any(sep in words[at] for sep in "-./"):
                problem = exc.text(turn.lang)
            continue
        serves = None
        if at + 1 < len(words):
            serves = actions.parse_serves(words[at + 1])
            if serves is None:
                raise ActionError("action.bad_field", value=words[at + 1])
        action = await actions.agree(turn.session, partnership, int(words[0].lstrip("#")), " ".join(words[1:at]),
                                     due, serves)
        turn.say(turn.t("action.agreed", number=action.id, text=action.text, day=due.isoformat()))
        return
    raise ActionError("action.bad_date", problem=problem)


async def _status(turn: Turn, number: int, status: ActionStatus) -> None:
    found = await _member(turn)
    if found is None:
        return
    partnership, role = found
    action = await actions.set_status(turn.session, partnership, turn.person, number, status,
                                      coordinator=role == COORDINATOR)
    turn.say(turn.t("action.status_changed", number=number, text=action.text,
                    status=turn.t(f"action.status.{action.status}")))


async def list_actions(turn: Turn, args: str) -> None:
    """``/actions``: the open actions, each with buttons to move it on (the owner's and coordinators' to press)."""
    found = await _member(turn)
    if found is None:
        return
    partnership, role = found
    coordinator = role == COORDINATOR and turn.event.private
    shown = await actions.visible(turn.session, partnership, coordinator=coordinator, statuses=OPEN)
    if not shown:
        turn.say(turn.t("action.none_open"))
        return
    today = actions.local_today(partnership)
    turn.say(turn.t("action.list_head", partnership=partnership.name, n=len(shown)))
    for action in shown[:LIST_LIMIT]:  # in private, buttons only for whoever may press them; in a group, for its owners
        may_move = (not turn.event.private or role == COORDINATOR
                    or await actions.owns(turn.session, action.number, turn.person))  # type: ignore[arg-type]
        turn.say(actions.line(action, turn.lang, today),
                 actions.moves(action.number, action.status, turn.lang) if may_move else ())
    if len(shown) > LIST_LIMIT:
        turn.say("\n".join(actions.line(a, turn.lang, today) for a in shown[LIST_LIMIT:]))


async def list_ideas(turn: Turn, args: str) -> None:
    """``/ideas``: ideas not agreed yet, as their authors chose to share them; coordinators see how to agree one."""
    found = await _member(turn)
    if found is None:
        return
    partnership, role = found
    coordinator = role == COORDINATOR and turn.event.private
    shown = await actions.visible(turn.session, partnership, coordinator=coordinator,
                                  statuses=(ActionStatus.proposed.value,))
    if not shown:
        turn.say(turn.t("action.none_ideas"))
        return
    today = actions.local_today(partnership)
    lines = [turn.t("action.ideas_head", partnership=partnership.name)]
    lines += [actions.line(a, turn.lang, today) for a in shown]
    if role == COORDINATOR:
        lines.append(turn.t("action.agree_hint"))
    turn.say("\n".join(lines))
