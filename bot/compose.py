"""Composing outbox rows into replies at send time, in the reader's language."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.events import Choice, Reply
from bot.flows.rounds import SECONDS_PER_ITEM
from bot.flows.samson import group_replies
from core.i18n import DEFAULT_LANGUAGE, language_from_hint, t
from core.instrument import load_instrument
from storage.models import Outbox, Partnership, Person, Round, RoundStatus

Composer = Callable[[AsyncSession, dict, str | None], Awaitable[list[Reply]]]
COMPOSERS: dict[str, Composer] = {}


def composer(kind: str) -> Callable[[Composer], Composer]:
    """Register the composer for one outbox kind."""

    def register(function: Composer) -> Composer:
        COMPOSERS[kind] = function
        return function

    return register


async def compose(session: AsyncSession, row: Outbox, locale_hint: str | None = None) -> list[Reply]:
    """The replies for an outbox row; [] if there is nothing to say any more (e.g. the round closed).

    ``locale_hint`` is the recipient's platform locale, for people who have not chosen a language.
    """
    return await COMPOSERS[row.kind](session, json.loads(row.params), locale_hint)


@composer("text")
async def _text(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    return [Reply(text=params["text"], private=params.get("private", False))]


@composer("round_invite")
async def _round_invite(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    round_ = await session.get(Round, params["round_id"])
    person = await session.get(Person, params["person_id"])
    if round_ is None or person is None or round_.status != RoundStatus.open.value:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    lang = person.lang or language_from_hint(hint) or params.get("lang") or DEFAULT_LANGUAGE
    if round_.instrument_id == "checkin" and round_.closes_at is not None:
        from bot.flows.checkins import local_time

        text = t(lang, "checkin.invite", partnership=partnership.name, closes=local_time(round_, partnership, person))
        return [Reply(text=text, choices=(Choice(f"/resume {round_.id}", t(lang, "round.start")),))]
    count = len(load_instrument(round_.instrument_id).items)
    text = t(lang, "round.invite", partnership=partnership.name, title=round_.title, count=count,
             minutes=max(1, count * SECONDS_PER_ITEM // 60))
    return [Reply(text=text, choices=(Choice(f"/resume {round_.id}", t(lang, "round.start")),))]


@composer("group_chart")
async def _group_chart(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    round_ = await session.get(Round, params["round_id"])
    if round_ is None:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    replies = await group_replies(session, partnership, round_, params.get("lang", DEFAULT_LANGUAGE))
    return replies if any(r.image for r in replies) else []


# The flows register their composers on import.
from bot.flows import checkins, nudges, summaries  # noqa: E402,F401
