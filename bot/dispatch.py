"""The bot core: turns one neutral event into replies, in one transaction.

Durable in, durable out:

1. ``accept`` stores the event in the inbox under its platform key, before the
   adapter acknowledges it; a re-delivery is recognised there and dropped silently.
2. ``handle`` applies it in one transaction: the person's lock, the inbox row marked
   processed, the state change, and the replies written to the outbox (claimed by
   this process). The transaction commits before the replies are handed back.
3. The adapter sends them at once and calls ``delivered``. If it never does (a crash),
   the outbox delivery sends them when the claim lapses; updates a crash left
   unprocessed are applied by ``recover``. Nobody has to type ``/resume``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import metrics
from bot.events import Audience, Event, EventKind, Reply, replies_to_json
from bot.flows import consent
from bot.flows import rounds as round_flow
from bot.handlers import COMMANDS
from bot.sent_marks import SentMarks
from bot.turn import Turn
from core.i18n import answer_words, language_from_hint, t
from storage import inbox, outbox
from storage.channels import binding_of
from storage.contacts import recent_activity, record_contact
from storage.db import Database, lock_for_transaction
from storage.models import Identity, Membership, Organisation, Outbox, Partnership, utcnow
from storage.people import forget_stranger, resolve_identity

log = logging.getLogger(__name__)
MAX_INPUT = 20_000
ACTIVITY_GAP = timedelta(hours=1)
"""Channel messages closer together than this count as one contact."""
RECOVERY_GRACE = timedelta(seconds=30)
"""An update stored this long ago and still unprocessed was left behind by a crash."""
RETRY_REPLY = timedelta(seconds=5)
"""When a reply's first send failed temporarily, the outbox tries again after this."""


BEFORE_CONSENT = frozenset({"help", "hjelp", "hjälp", "start", "join", "lang", "språk", "resume", "privacy", "export",
                            "erase", "reminders"})
"""Commands a member may use before saying yes to the terms (asking for fewer messages always works); any other
asks for that first, and nothing is stored."""

NO_WORDS = frozenset(answer_words("no") | {"cancel", "avbryt"})
"""A bare "no" typed when nothing was asked (e.g. to /erase's question, whose buttons were not used)."""
YES_WORDS = frozenset(answer_words("yes"))
"""A bare "yes" typed when nothing was asked: it never confirms anything (e.g. /erase needs the command)."""


class BotCore:
    """Platform-free bot: ``await core.handle(event)`` returns the replies to send."""

    def __init__(self, db: Database, on_outbox: Callable[[], None] | None = None,
                 recovery_grace: timedelta | None = None) -> None:
        self.db = db
        self.recovery_grace = recovery_grace
        """How old an unprocessed stored update must be to count as left behind (default ``RECOVERY_GRACE``)."""
        self.on_outbox = on_outbox
        """Called after a commit that decided outgoing messages (the delivery wakes up)."""
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._sent = SentMarks(db)

    async def accept(self, event: Event) -> bool:
        """Store an incoming event before it is acknowledged; False for a re-delivery (drop it silently)."""
        return (await self.accept_many([event]))[0]

    async def accept_many(self, events: list[Event]) -> list[bool]:
        """Store a batch of incoming events in one transaction; for each, whether it is new."""
        fresh = [True] * len(events)
        keyed = [(n, e) for n, e in enumerate(events) if e.update_key]
        if keyed:
            async with self.db.session() as session:
                for n, event in keyed:
                    fresh[n] = await inbox.store(session, event.update_key or "", event.platform, event.to_json())
                await session.commit()
        for event, new in zip(events, fresh, strict=True):
            metrics.UPDATES.labels(event.platform, "received" if new else "duplicate").inc()
            if not new:
                log.info("duplicate update %s ignored", event.update_key)
        return fresh

    async def handle(self, event: Event, *, recovered: bool = False) -> list[Reply]:
        """Act on one event; returns [] for a duplicate delivery.

        Events of one user are handled one at a time, in arrival order: call it before
        any other ``await`` of the update's own. A ``recovered`` event's replies are
        left to the outbox delivery (the adapter that took it is gone).
        """
        async with self.person_turn(event.platform, event.workspace, event.user):
            with metrics.HANDLE_SECONDS.labels(event.platform).time():
                return await self._handle(event, recovered)

    @contextlib.asynccontextmanager
    async def person_turn(self, platform: str, workspace: str, user: str) -> AsyncIterator[None]:
        """One person's turn in this process: their updates, and re-sends of replies to them, one at a time."""
        who = (platform, workspace, user)
        lock = self._locks.setdefault(who, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._locks.pop(who, None)

    def resend_turn(self, row: Outbox) -> contextlib.AbstractAsyncContextManager[None]:
        """For the outbox delivery: a reply sent again after a crash waits for the person's turn.

        Otherwise a re-sent question could land after the person had already answered it and
        been shown the next one, and put the old question back in its place.
        """
        if row.kind == "reply" and (user := json.loads(row.params).get("user")):
            return self.person_turn(row.platform, row.workspace, str(user))
        return contextlib.nullcontext()

    async def delivered(self, event: Event, *, retry: bool = False) -> None:
        """The adapter sent the replies ``handle`` returned (or, with ``retry``, could not yet: the outbox tries again)."""
        if not event.update_key:
            return
        keys = _reply_keys(event.update_key)
        if not retry:
            await self._sent.mark(keys)
            return
        async with self.db.session() as session:
            await outbox.release_keys(session, keys, "first send failed", utcnow() + RETRY_REPLY)
            await session.commit()
        if self.on_outbox:
            self.on_outbox()

    async def observe(self) -> None:
        """Update the inbox gauges (called when ``/metrics`` is read)."""
        async with self.db.session() as session:
            pending, oldest = await inbox.pending(session)
        metrics.INBOX_PENDING.set(pending)
        metrics.INBOX_LAG.set((utcnow() - oldest).total_seconds() if oldest else 0.0)

    async def recover(self, grace: timedelta | None = None) -> int:
        """Apply the updates a crashed worker stored but never processed; returns how many were applied.

        Only updates older than ``grace`` (default: the core's ``recovery_grace``) count as left behind.
        """
        async with self.db.session() as session:
            if grace is None:
                grace = RECOVERY_GRACE if self.recovery_grace is None else self.recovery_grace
            rows = await inbox.left_behind(session, utcnow() - grace)
        applied = 0
        for row in rows:
            try:
                event = Event.from_json(row.event)
            except (ValueError, TypeError, KeyError):
                log.error("stored update %s cannot be read; left alone", row.key)
                await self._count_failure(row.key)
                continue
            log.warning("applying update %s left behind by a stopped worker", row.key)
            if await self.handle(event, recovered=True):
                applied += 1
        return applied

    async def record_activity(self, platform: str, workspace: str, channel: str, user: str) -> bool:
        """Count a message in a bound channel as contact for the poster's organisation (time only, never text)."""
        async with self.db.session() as session:
            binding = await binding_of(session, platform, workspace, channel)
            if binding is None:
                return False
            found = (await session.exec(
                select(Membership, Organisation, Partnership)
                .join(Identity, Identity.person_id == Membership.person_id)
                .join(Organisation, Organisation.id == Membership.organisation_id)
                .join(Partnership, Partnership.id == Membership.partnership_id)
                .where(Identity.platform == platform, Identity.workspace == workspace, Identity.user_id == user,
                       Membership.partnership_id == binding.partnership_id)
            )).first()
            if found is None:
                return False
            membership, org, partnership = found
            now = utcnow()
            if await recent_activity(session, org.id, now - ACTIVITY_GAP):  # type: ignore[arg-type]
                return False
            await record_contact(session, org, partnership.contact_frequency, kind="activity", source="channel",
                                 at=now, person_id=membership.person_id)
            await session.commit()
            return True

    async def _handle(self, event: Event, recovered: bool) -> list[Reply]:
        try:
            async with self.db.session() as session:
                # One person's updates apply one at a time, whichever worker takes them (PostgreSQL).
                await lock_for_transaction(session, f"person:{event.platform}:{event.workspace}:{event.user}")
                # The key is taken in the transaction that applies the update: another worker with the
                # same update waits here, then skips it silently; a crash rolls both back together.
                if event.update_key and not await inbox.take(session, event.update_key, event.platform):
                    log.info("duplicate update %s ignored", event.update_key)
                    metrics.UPDATES.labels(event.platform, "duplicate").inc()
                    return []
                identity, person = await resolve_identity(
                    session, event.platform, event.workspace, event.user,
                    display_name=event.display_name, locale_hint=event.locale_hint,
                )
                if event.private and (identity.dm_channel != event.channel or identity.unreachable):
                    identity.dm_channel = event.channel
                    identity.unreachable = False  # they wrote to us, so we can write to them
                    session.add(identity)
                turn = Turn(session, event, identity, person)
                await self._route(turn)
                replies = turn.finish()
                if turn.person.consent_at is None:
                    await forget_stranger(session, turn.person)
                if event.update_key and replies:
                    await _write_replies(session, event, replies, claimed=not recovered)
                await session.commit()
            if (turn.outbox_written or (recovered and replies)) and self.on_outbox:
                self.on_outbox()
            metrics.UPDATES.labels(event.platform, "applied").inc()
            return replies
        except IntegrityError as exc:
            log.warning("conflicting write for %s, rolled back: %s", event.update_key, exc.orig)
        except Exception:
            log.exception("failed to handle %s", event)
        metrics.UPDATES.labels(event.platform, "failed").inc()
        if event.update_key:
            await self._count_failure(event.update_key)
        return [] if recovered else [Reply(text=_internal_error(event), is_error=True)]

    async def _count_failure(self, key: str) -> None:
        try:
            async with self.db.session() as session:
                await inbox.failed(session, key)
                await session.commit()
        except Exception:  # the database itself may be what failed
            log.exception("could not count the failure of update %s", key)

    async def _route(self, turn: Turn) -> None:
        event = turn.event
        payload = event.payload
        awaiting = turn.identity.awaiting
        in_round = awaiting == "round" and bool(turn.identity.active_response_id)
        if len(payload) > MAX_INPUT:
            turn.say(turn.t("err.too_long", length=len(payload), max=MAX_INPUT), is_error=True)
            return
        if event.kind == EventKind.COMMAND or (event.kind == EventKind.CHOICE and payload.startswith("/")):
            name, _, args = payload.lstrip("/").strip().partition(" ")
            command = name.lower().split("@")[0]
            handler = COMMANDS.get(command)
            if handler is None:
                shown = name if len(name) <= 40 else name[:40] + "…"
                text = turn.t("unknown_command", command="/" + shown)
                if in_round:
                    text += "\n" + turn.t("unknown_command.in_round")
                turn.say(text, is_error=True)
                return
            if command not in BEFORE_CONSENT and turn.person.consent_at is None and await turn.partnership() is not None:
                turn.say(turn.t("consent.first", command="/" + command), is_error=True)
                await consent.ask_consent(turn)
                return
            await handler(turn, args.strip())
            return
        if event.ref:
            await round_flow.on_button(turn, payload)
            return
        if awaiting is not None and awaiting.startswith("consent"):
            await consent.on_consent(turn, payload)
        elif awaiting == "language":
            await consent.on_language(turn, payload)
        elif in_round:
            await round_flow.on_input(turn, payload)
        elif await turn.partnership() is None:
            turn.say(turn.t("not_member"))  # someone who has not joined (or has erased their data): how to join
        elif (word := payload.strip().lower().rstrip("!.")) in NO_WORDS:  # e.g. a typed "no" to /erase's question
            turn.say(turn.t("idle_no"))
        elif word in YES_WORDS:  # e.g. a typed "yes" to /erase's question: never erases
            turn.say(turn.t("idle_yes", yes=turn.t("word.yes")))
        else:
            turn.say(turn.t("idle_text"))


def _reply_keys(update_key: str) -> tuple[str, str]:
    """The outbox keys of an update's replies: in its chat, and to the person privately."""
    return f"reply:{update_key}", f"reply:{update_key}:person"


async def _write_replies(session: AsyncSession, event: Event, replies: list[Reply], claimed: bool) -> None:
    """Write a turn's replies to the outbox with the state they depend on.

    Claimed rows are sent by the adapter at once; if it dies first, the claim lapses and
    the outbox delivery sends them. There, what only the person may see goes to their
    private chat (an ephemeral message cannot be posted later).
    """
    here = [r for r in replies if r.audience == Audience.CHAT and not r.notice and not r.forget_local_files]
    personal = [replace(r, audience=Audience.CHAT) for r in replies
                if (r.audience != Audience.CHAT or r.notice) and not r.forget_local_files]
    here_key, personal_key = _reply_keys(event.update_key or "")
    # Sent again after a crash, the replies to a pressed button edit its message as the adapter did: never twice.
    pressed = {"replaces": event.message, "pressed": event.pressed} if event.message else {}
    for key, channel, batch, extra in ((here_key, event.channel, here, pressed), (personal_key, event.user, personal, {})):
        if batch:  # "user": whose turn a re-send waits for (``BotCore.resend_turn``)
            params = {"replies": replies_to_json(batch), "user": event.user, **extra}
            await outbox.enqueue(session, key, platform=event.platform, workspace=event.workspace, channel=channel,
                                 kind="reply", params=params, claimed=claimed)


def _internal_error(event: Event) -> str:
    return t(language_from_hint(event.locale_hint) or "en", "error.internal")
