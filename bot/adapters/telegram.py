"""The Telegram adapter: a python-telegram-bot ``Application`` feeding the bot core.

It long-polls by default; with ``TELEGRAM_WEBHOOK_URL`` it registers a webhook with
a secret token and receives updates on the bot's one HTTP server. Either way an
update is stored in the inbox before Telegram is told it arrived: polling confirms
an offset only after its batch is stored, a webhook answers 200 only then. A tapped
button is answered the moment it arrives, before the store and the work. The update
is then processed with PTB's ``process_update``. Conversation state lives
in the database (no ConversationHandler, no pickle persistence), so restarts and
several webhook workers lose nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, CallbackQuery, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import metrics
from bot.adapters.telegram_http import AiohttpRequest
from bot.adapters.telegram_pacing import PacedRateLimiter
from bot.adapters.telegram_sender import MAX_TEXT, TelegramSender, keyboard, not_modified, parse_callback
from bot.config import Settings
from bot.delivery import TemporaryFailure, Unreachable
from bot.dispatch import BotCore
from bot.events import Audience, Event, EventKind, Reply, fold, may_replace
from core.dialogue import CANT_SAY, parse_vote
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, language_from_hint, t
from storage.people import mark_unreachable

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
PLATFORM = "telegram"
MENU = ("start", "resume", "results", "group", "lang", "privacy", "help")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 10
"""Seconds a getUpdates long poll waits for news."""
WRITE_TIMEOUT = 30.0
"""Generous: a send Telegram accepted but answered slowly must not look failed and go out twice."""
CONCURRENT_UPDATES = {"sqlite": 4, "postgresql": 8}
"""Updates processed at once, by database. SQLite lets one writer in at a time: more in flight only
queue for it, and the next batch's store (which confirms the poll offset) waits behind them."""
HTTP_CONNECTIONS = 32
"""Connections to the Bot API: updates in flight, the outbox delivery, and tap answers."""


class TelegramAdapter:
    """Connects a PTB application to the bot core."""

    platform = PLATFORM

    def __init__(self, core: BotCore, settings: Settings) -> None:
        if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
            raise SystemExit("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL.")
        self.core = core
        self.settings = settings
        api = settings.telegram_api_url
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token or "")
            .base_url(api)
            .base_file_url(api.replace("/bot", "/file/bot"))
            .rate_limiter(PacedRateLimiter())
            .request(AiohttpRequest(connections=HTTP_CONNECTIONS, read_timeout=WRITE_TIMEOUT,
                                    write_timeout=WRITE_TIMEOUT, media_write_timeout=WRITE_TIMEOUT * 2,
                                    pool_timeout=WRITE_TIMEOUT))
            .get_updates_request(AiohttpRequest(read_timeout=POLL_TIMEOUT + 10))
            .updater(None)  # our own polling loop: it confirms an offset only after storing the updates
        )
        self.app = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.sender = TelegramSender(self.app.bot)
        self._slots = asyncio.Semaphore(CONCURRENT_UPDATES.get(core.db.engine.dialect.name, 8))
        self._in_flight: set[asyncio.Task] = set()
        self._poller: asyncio.Task | None = None
        self._answered: dict[str, None] = {}
        """Callback queries answered by this process, oldest first (an ordered set)."""

    @property
    def workspace(self) -> str:
        """Telegram has no workspaces; the bot's id keeps two bots' users apart."""
        return str(self.app.bot.id)

    async def start(self, inbound: bool = True) -> None:
        """Connect (getMe); for a process taking updates, register the command menu, then poll or set the webhook."""
        await self.app.initialize()
        if not inbound:  # a sending-only worker
            return
        await self.register_commands()
        if self.settings.telegram_webhook_url:
            await self.app.bot.set_webhook(
                self.settings.telegram_webhook_url, secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await self.app.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop taking updates, finish the ones in flight; unconfirmed updates stay on Telegram's side."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._in_flight:
            await asyncio.wait(self._in_flight)
        await self.app.shutdown()

    # ---- taking updates in: store, confirm, then process

    async def _poll(self) -> None:
        """Long-poll ``getUpdates``; the next call's offset confirms a batch only once it is stored."""
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self.app.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT,
                                                         allowed_updates=ALLOWED_UPDATES)
                failures = 0
            except RetryAfter as exc:
                await asyncio.sleep(exc.retry_after if isinstance(exc.retry_after, int | float)
                                    else exc.retry_after.total_seconds())
                continue
            except TimedOut:
                continue
            except (InvalidToken, Conflict) as exc:
                log.error("telegram polling stopped: %s", exc)
                return
            except NetworkError as exc:
                failures += 1
                log.warning("getUpdates failed (%s); trying again", exc)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** failures))
                continue
            if not updates:
                continue
            self._answer_taps(updates)
            try:
                fresh = await self._store(updates)
            except Exception:  # the database is away: take the batch again, unconfirmed
                log.exception("storing %d telegram updates failed; polling them again", len(updates))
                await asyncio.sleep(1.0)
                continue
            offset = updates[-1].update_id + 1
            for update in fresh:
                self._process(update)

    async def _store(self, updates: Sequence[Update]) -> list[Update]:
        """Store a batch in the inbox; returns the updates to process (re-deliveries dropped)."""
        events = [self._translate(update) for update in updates]
        stored = await self.core.accept_many([e for e in events if e is not None])
        new = iter(stored)
        return [update for update, event in zip(updates, events, strict=True) if event is None or next(new)]

    def _answer_taps(self, updates: Sequence[Update]) -> None:
        """Answer tapped buttons the moment they arrive (they stop spinning), before storing and any work.

        A query is answered once: a re-delivery of its update (this process has seen it) is not answered again.
        """
        for update in updates:
            query = update.callback_query
            if query is None or query.id in self._answered:
                continue
            self._answered[query.id] = None
            if len(self._answered) > 10_000:
                self._answered.pop(next(iter(self._answered)))
            self._track(self._answer(query, self._toast(query), time.monotonic()))

    @staticmethod
    def _toast(query: CallbackQuery) -> str | None:
        """A vote in a live session is confirmed privately, in the tap's own answer (nobody else sees it)."""
        vote = parse_vote((query.data or "").removeprefix("v|"))
        if vote is None:
            return None
        lang = language_from_hint(query.from_user.language_code) or DEFAULT_LANGUAGE
        value = t(lang, "choice.na") if vote[1] == CANT_SAY else vote[1]
        return t(lang, "session.voted", value=value)

    def _process(self, update: Update) -> None:
        """Process a stored update in the background, at most ``CONCURRENT_UPDATES`` at once, in arrival order."""
        self._track(self._process_one(update))

    def _track(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _process_one(self, update: Update) -> None:
        async with self._slots:
            await self.app.process_update(update)

    async def register_commands(self) -> None:
        """The command menu in each language (English for any other language)."""
        for lang in (None, *LANGUAGES):
            commands = [BotCommand(name, t(lang or "en", f"menu.{name}")) for name in MENU]
            await self.app.bot.set_my_commands(commands, language_code=lang)

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """``/telegram/webhook``: 403 without the right secret token, else queue the update."""
        from aiohttp import web

        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except ValueError:
            return web.Response(status=400, text="bad update")
        if update is None:
            return web.Response(status=400, text="bad update")
        self._answer_taps([update])
        try:
            fresh = await self._store([update])
        except Exception:  # not stored: Telegram delivers it again later
            log.exception("storing telegram update %s failed", update.update_id)
            return web.Response(status=503, text="try again")
        if fresh:
            self._process(update)
        return web.Response(text="ok")

    def _translate(self, update: Update) -> Event | None:
        """The neutral event for an update, or None if it is not one (group chatter, other bots' commands)."""
        message = update.message
        if update.callback_query is not None:
            query = update.callback_query
            parsed = parse_callback(query.data or "")
            if parsed is None or query.message is None or update.effective_user is None:
                return None
            return replace(self._event(update, EventKind.CHOICE, parsed[1], ref=parsed[0]),
                           message=str(query.message.message_id), pressed=self._label(query, parsed[1]))
        if message is None or not message.text or update.effective_user is None:
            return None
        text = message.text.strip()
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            name, _, addressee = command.partition("@")
            if addressee and addressee.lower() != (self.app.bot.username or "").lower():
                return None
            return self._event(update, EventKind.COMMAND, f"{name} {args}".strip())
        if message.chat.type == "private":
            return self._event(update, EventKind.TEXT, text)
        return None

    # ---- updates

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        event = self._translate(update)
        if update.callback_query is not None:
            await self._on_callback(update.callback_query, event)
        elif event is not None:
            await self._reply(event, await self.core.handle(event))
        elif update.message is not None and update.message.text and update.effective_user is not None:
            if update.message.chat.type != "private":  # group chatter: counted as contact, never stored
                await self.core.record_activity(PLATFORM, self.workspace, str(update.message.chat.id),
                                                str(update.effective_user.id))

    async def _on_callback(self, query: CallbackQuery, event: Event | None) -> None:
        """Do the work of a tap (the query was answered when it arrived); data not ours changes nothing."""
        if event is None:
            return
        replies = await self.core.handle(event)
        update = next((r for r in replies if r.in_place), None)
        if update is not None and await self._edit_in_place(query, update):
            await self._reply(event, [r for r in replies if r is not update], edited=True)
            return
        if may_replace(replies):
            here = [r for r in replies if r.audience != Audience.PERSON]
            folded = fold(here, event.pressed)
            if folded is not None and await self._edit_in_place(query, folded):
                await self._reply(event, [r for r in replies if r not in here], edited=True)
                return
            await self._mark_answered(query, event.pressed or event.payload)
        await self._reply(event, replies)

    async def _edit_in_place(self, query: CallbackQuery, reply: Reply) -> bool:
        """Turn the tapped question into the next one (one message per round, not one per question)."""
        message = query.message
        if message is None or len(reply.text) > MAX_TEXT:
            return False
        markup = keyboard(reply.choices, reply.ref)
        shown = getattr(message, "reply_markup", None)
        if getattr(message, "text", None) == reply.text and (shown.to_dict() if shown else None) == markup:
            return True  # a tap that changed nothing (Telegram refuses an edit into the same message)
        try:
            await self.sender.edit_text(message.chat.id, message.message_id, reply.text, markup)
            return True
        except TelegramError as exc:
            if not_modified(exc):  # it shows this already
                return True
            log.info("editing the question in place failed (%s); sending it anew", exc)
            return False

    @staticmethod
    def _label(query: CallbackQuery, value: str) -> str:
        """The text of the tapped button."""
        markup = getattr(query.message, "reply_markup", None)
        for row in markup.inline_keyboard if markup else ():
            for button in row:
                if button.callback_data == query.data:
                    return button.text
        return value

    async def _answer(self, query: CallbackQuery, text: str | None, received: float) -> None:
        metrics.ACK_SECONDS.labels(PLATFORM).observe(time.monotonic() - received)
        try:
            await query.answer(text)
        except TelegramError as exc:  # the query may have expired; the tap still counts
            log.info("answerCallbackQuery failed: %s", exc)

    async def _mark_answered(self, query: CallbackQuery, label: str) -> None:
        """Edit the tapped message to show the answer (the button's text) instead of the keyboard."""
        message = query.message
        if message is None:
            return
        try:
            await self.sender.edit_text(message.chat.id, message.message_id,
                                        f"{getattr(message, 'text', None) or ''}\n\n✓ {label}", None)
        except TelegramError as exc:
            log.info("editMessageText failed: %s", exc)

    def _event(self, update: Update, kind: EventKind, payload: str, ref: str | None = None) -> Event:
        user = update.effective_user
        chat = update.effective_chat
        assert user is not None and chat is not None
        return Event(
            platform=PLATFORM, workspace=self.workspace, channel=str(chat.id), user=str(user.id), kind=kind,
            payload=payload, update_key=f"tg:{self.workspace}:{update.update_id}", display_name=user.full_name,
            locale_hint=user.language_code, private=chat.type == "private", ref=ref,
            deep_link=f"https://t.me/{self.app.bot.username}?start={{code}}",
        )

    async def _reply(self, event: Event, replies: Sequence[Reply], edited: bool = False) -> None:
        """Send a turn's replies (the person's to their private chat, the rest here), then confirm them.

        They are in the outbox already: if this fails for a while, the delivery sends them.
        """
        if not replies and not edited:
            return
        private = [r for r in replies if r.audience == Audience.PERSON]
        here = [r for r in replies if r.audience != Audience.PERSON]
        retry = False
        for target, batch in ((event.channel, here), (event.user, private)):
            if not batch:
                continue
            try:
                await self.sender.send(event.workspace, target, batch)
            except Unreachable as exc:
                log.info("telegram chat %s unreachable: %s", target, exc)
                async with self.core.db.session() as session:
                    await mark_unreachable(session, PLATFORM, event.workspace, target)
                    await session.commit()
            except TemporaryFailure as exc:
                log.warning("reply to telegram chat %s failed for now (%s); the outbox tries again", target, exc)
                retry = True
        await self.core.delivered(event, retry=retry)
