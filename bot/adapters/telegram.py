"""The Telegram adapter: a python-telegram-bot ``Application`` feeding the bot core.

It long-polls by default; with ``TELEGRAM_WEBHOOK_URL`` it registers a webhook with
a secret token and receives updates on the bot's one HTTP server. Conversation
state lives in the database (no ConversationHandler, no pickle persistence), so
restarts and several webhook workers lose nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Sequence

from aiohttp import web
from telegram import BotCommand, CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import metrics
from bot.adapters.telegram_pacing import PacedRateLimiter
from bot.adapters.telegram_sender import MAX_TEXT, TelegramSender, keyboard, parse_callback
from bot.config import Settings
from bot.delivery import Unreachable
from bot.dispatch import BotCore
from bot.events import Audience, Event, EventKind, Reply, fold
from core.i18n import LANGUAGES, t
from storage.people import mark_unreachable

log = logging.getLogger(__name__)
PLATFORM = "telegram"
MENU = ("start", "resume", "results", "group", "lang", "privacy", "help")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ACK_BUDGET = 2.0
"""Seconds a callback query may wait for its work before it is answered anyway (Telegram allows 15)."""


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
            .concurrent_updates(16)
        )
        if settings.telegram_webhook_url:
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.sender = TelegramSender(self.app.bot)

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
        await self.app.start()
        if self.settings.telegram_webhook_url:
            await self.app.bot.set_webhook(
                self.settings.telegram_webhook_url, secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=["message", "callback_query"],
            )
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(timeout=10, allowed_updates=["message", "callback_query"])

    async def stop(self) -> None:
        """Stop polling and processing; pending updates stay on Telegram's side."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def register_commands(self) -> None:
        """The command menu in each language (English for any other language)."""
        for lang in (None, *LANGUAGES):
            commands = [BotCommand(name, t(lang or "en", f"menu.{name}")) for name in MENU]
            await self.app.bot.set_my_commands(commands, language_code=lang)

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """``/telegram/webhook``: 403 without the right secret token, else queue the update."""
        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except ValueError:
            return web.Response(status=400, text="bad update")
        await self.app.update_queue.put(update)
        return web.Response(text="ok")

    # ---- updates

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._on_callback(update, update.callback_query)
        elif update.message is not None and update.message.text and update.effective_user is not None:
            await self._on_message(update)

    async def _on_message(self, update: Update) -> None:
        message = update.message
        assert message is not None and message.text is not None
        private = message.chat.type == "private"
        text = message.text.strip()
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            name, _, addressee = command.partition("@")
            if addressee and addressee.lower() != (self.app.bot.username or "").lower():
                return
            event = self._event(update, EventKind.COMMAND, f"{name} {args}".strip())
        elif private:
            event = self._event(update, EventKind.TEXT, text)
        else:  # group chatter: counted as contact in a bound group, never stored
            sender = update.effective_user
            if sender is None:
                return
            await self.core.record_activity(PLATFORM, self.workspace, str(message.chat.id), str(sender.id))
            return
        await self._reply(event, await self.core.handle(event))

    async def _on_callback(self, update: Update, query: CallbackQuery) -> None:
        parsed = parse_callback(query.data or "")
        if parsed is None or query.message is None:
            await query.answer()
            return
        ref, value = parsed
        event = self._event(update, EventKind.CHOICE, value, ref=ref)
        # The button stops spinning within ACK_BUDGET whatever the load: past it, the query is
        # answered empty and a notice (e.g. "already answered") comes as a message instead.
        received = time.monotonic()
        work = asyncio.ensure_future(self.core.handle(event))
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET)
        if not done:
            await self._answer(query, None, received)
        replies = await work
        notices = [r for r in replies if r.notice]
        if done:
            await self._answer(query, notices[0].text[:200] if notices else None, received)
        rest = [r for r in replies if not r.notice or not done]
        if replies and not notices and not any(r.is_error and r.ref is None for r in replies):
            here = [r for r in rest if r.audience != Audience.PERSON]
            folded = fold(here, self._label(query, value))
            if folded is not None and await self._edit_in_place(query, folded):
                rest = [r for r in rest if r not in here]
            else:
                await self._mark_answered(query, value)
        await self._reply(event, rest)

    async def _edit_in_place(self, query: CallbackQuery, reply: Reply) -> bool:
        """Turn the tapped question into the next one (one message per round, not one per question)."""
        message = query.message
        if message is None or len(reply.text) > MAX_TEXT:
            return False
        try:
            await query.edit_message_text(reply.text, reply_markup=keyboard(reply.choices, reply.ref))
            return True
        except TelegramError as exc:
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

    async def _mark_answered(self, query: CallbackQuery, value: str) -> None:
        """Edit the tapped message to show the answer instead of the keyboard."""
        label = self._label(query, value)
        text = getattr(query.message, "text", None) or ""
        try:
            await query.edit_message_text(f"{text}\n\n✓ {label}")
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

    async def _reply(self, event: Event, replies: Sequence[Reply]) -> None:
        """Replies for the person go to their private chat; the rest where the event came from."""
        if not replies:
            return
        private = [r for r in replies if r.audience == Audience.PERSON]
        here = [r for r in replies if r.audience != Audience.PERSON]
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
