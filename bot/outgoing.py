"""Every kind of outgoing message, registered in one place: ``kind`` → its composer.

The outbox stores what to say (a kind and its parameters); delivery composes it
here at send time, in the reader's language. Flows and handlers decide messages
but never compose them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions, invitations, nudging, publishing, reports, summaries
from bot.events import Reply, fold, may_replace, replies_from_json
from bot.flows.rounds import still_current
from storage import outbox
from storage.models import Outbox

Composer = Callable[[AsyncSession, dict, str | None], Awaitable[list[Reply]]]


async def _text(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    return [Reply(text=params["text"])]


async def _reply(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """A conversation reply its adapter could not send, or may have sent just before a crash.

    A question the person has answered since is not asked again. The replies to a pressed
    button edit that button's message, as the adapter does: one sent already is not repeated.
    """
    decided = replies_from_json(params.get("replies", []))
    replies = [r for r in decided if r.ref is None or await still_current(session, r.ref)]
    replaced = params.get("replaces")
    if not replaced or len(replies) < len(decided):  # that message has moved on to a later question
        return replies
    in_place = next((r for r in replies if r.in_place), None)
    if in_place is not None:
        return [replace(r, replaces=replaced) if r is in_place else r for r in replies]
    if not may_replace(replies):
        return replies
    folded = fold(replies, params.get("pressed"))
    return [replace(folded, replaces=replaced)] if folded is not None else replies


COMPOSERS: dict[str, Composer] = {
    "text": _text,
    "reply": _reply,
    "round_invite": invitations.compose_invite,
    "checkin_reminder": invitations.compose_reminder,
    "round_reminder": invitations.compose_round_reminder,
    "group_chart": publishing.compose_group_chart,
    "summary": summaries.compose_summary,
    "checkin_digest": summaries.compose_digest,
    "nudge": nudging.compose_nudge,
    "escalation": nudging.compose_escalation,
    "action_reminder": actions.compose_reminder,
    "report": reports.compose_report,
}


async def compose(session: AsyncSession, row: Outbox, locale_hint: str | None = None) -> list[Reply]:
    """The replies for an outbox row; [] if there is nothing to say any more (e.g. the round closed).

    ``locale_hint`` is the recipient's platform locale, for people who have not chosen a language.
    """
    params = json.loads(row.params)
    if row.kind == "reply" and params.get("replaces") and await outbox.replied_since(session, row):
        return []  # sent again after a crash, it would edit that message back to what it said before
    return await COMPOSERS[row.kind](session, params, locale_hint)
