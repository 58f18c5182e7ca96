"""The bot core: turns one neutral event into replies, in one transaction.

Each event runs in its own database session. Its update key is taken first
(``INSERT … ON CONFLICT DO NOTHING``) in the same transaction as its effects, so a
re-delivered event, on this worker or another, is skipped silently, and a crash rolls
back both. The transaction commits before the replies are handed back to the adapter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot import metrics
from bot.events import Event, EventKind, Reply
from bot.flows import consent
from bot.flows import rounds as round_flow
from bot.handlers import COMMANDS
from bot.turn import Turn
from core.i18n import language_from_hint, t
from storage.channels import binding_of
from storage.contacts import recent_activity, record_contact
from storage.db import Database, insert_or_skip, lock_for_transaction
from storage.models import Identity, Membership, Organisation, Partnership, ProcessedUpdate, utcnow
from storage.people import resolve_identity

log = logging.getLogger(__name__)
MAX_INPUT = 20_000
ACTIVITY_GAP = timedelta(hours=1)
"""Channel messages closer together than this count as one contact."""


class BotCore:
    """Platform-free bot: ``await core.handle(event)`` returns the replies to send."""

    def __init__(self, db: Database, on_outbox: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_outbox = on_outbox
        """Called after a commit that decided outgoing messages (the delivery wakes up)."""
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    async def handle(self, event: Event) -> list[Reply]:
        """Act on one event; returns [] for a duplicate delivery.

        Events of one user are handled one at a time, in arrival order.
        """
        who = (event.platform, event.workspace, event.user)
        lock = self._locks.setdefault(who, asyncio.Lock())
        try:
            async with lock:
                with metrics.HANDLE_SECONDS.labels(event.platform).time():
                    return await self._handle(event)
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._locks.pop(who, None)

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

    async def _handle(self, event: Event) -> list[Reply]:
        try:
            async with self.db.session() as session:
                # One person's updates apply one at a time, whichever worker takes them (PostgreSQL).
                await lock_for_transaction(session, f"person:{event.platform}:{event.workspace}:{event.user}")
                # The key is taken first, in the transaction that applies the update: another worker with
                # the same update waits here, then skips it silently; a crash rolls both back together.
                if event.update_key and not await insert_or_skip(
                        session, ProcessedUpdate, "key", key=event.update_key[:128], processed_at=utcnow()):
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
                await session.commit()
            if turn.outbox_written and self.on_outbox:
                self.on_outbox()
            metrics.UPDATES.labels(event.platform, "applied").inc()
            return turn.finish()
        except IntegrityError as exc:
            log.warning("conflicting write for %s, rolled back: %s", event.update_key, exc.orig)
        except Exception:
            log.exception("failed to handle %s", event)
        metrics.UPDATES.labels(event.platform, "failed").inc()
        return [Reply(text=_internal_error(event), is_error=True)]

    async def _route(self, turn: Turn) -> None:
        event = turn.event
        payload = event.payload
        if len(payload) > MAX_INPUT:
            turn.say(turn.t("err.too_long", length=len(payload), max=MAX_INPUT), is_error=True)
            return
        if event.kind == EventKind.COMMAND or (event.kind == EventKind.CHOICE and payload.startswith("/")):
            name, _, args = payload.lstrip("/").strip().partition(" ")
            handler = COMMANDS.get(name.lower().split("@")[0])
            if handler is None:
                shown = name if len(name) <= 40 else name[:40] + "…"
                turn.say(turn.t("unknown_command", command="/" + shown), is_error=True)
                return
            await handler(turn, args.strip())
            return
        if event.ref:
            await round_flow.on_button(turn, payload)
            return
        awaiting = turn.identity.awaiting
        if awaiting == "consent":
            await consent.on_consent(turn, payload)
        elif awaiting == "language":
            await consent.on_language(turn, payload)
        elif awaiting == "round" and turn.identity.active_response_id:
            await round_flow.on_input(turn, payload)
        else:
            turn.say(turn.t("idle_text"))


def _internal_error(event: Event) -> str:
    return t(language_from_hint(event.locale_hint) or "en", "error.internal")
