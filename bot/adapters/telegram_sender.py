"""Posting neutral replies into Telegram chats: texts split at 4096 characters, inline keyboards, photos.

All calls go through the bot's ``PacedRateLimiter`` (``telegram_pacing``). Texts and
edits, the calls every answer makes, are sent as the Bot API's own JSON and their
results read as JSON: building PTB's ``Message`` from each result, only to read its
id, cost as much CPU as the request itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.delivery import TemporaryFailure, Unreachable
from bot.events import Choice, Reply

log = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK = 64
GONE = ("chat not found", "user is deactivated", "bot was kicked", "not enough rights", "have no rights")


def callback_data(value: str, ref: str | None) -> str | None:
    """Compact callback data: ``q|<ref>|<value>`` for a question, ``v|<value>`` otherwise (≤ 64 bytes)."""
    data = f"q|{ref}|{value}" if ref else f"v|{value}"
    if len(data.encode()) > MAX_CALLBACK:
        log.error("callback data over %d bytes dropped: %r", MAX_CALLBACK, data)
        return None
    return data


def parse_callback(data: str) -> tuple[str | None, str] | None:
    """(ref, value) from callback data, or None if it is not ours."""
    if data.startswith("q|"):
        ref, sep, value = data[2:].partition("|")
        return (ref, value) if sep else None
    if data.startswith("v|"):
        return None, data[2:]
    return None


Keyboard = dict[str, list[list[dict[str, str]]]]
"""An ``InlineKeyboardMarkup`` as the Bot API's JSON."""


def keyboard(choices: Sequence[Choice], ref: str | None) -> Keyboard | None:
    """Number buttons five to a row (1–10 in two rows), other choices two to a row."""
    numbers = [c for c in choices if c.label.isdigit()]
    others = [c for c in choices if not c.label.isdigit()]
    rows: list[list[dict[str, str]]] = []
    for group, width in ((numbers, 5), (others, 2)):
        buttons = [{"text": c.label, "callback_data": data}
                   for c in group if (data := callback_data(c.value, ref)) is not None]
        rows += [buttons[i: i + width] for i in range(0, len(buttons), width)]
    return {"inline_keyboard": rows} if rows else None


def split_text(text: str, size: int = MAX_TEXT) -> list[str]:
    """Split at line breaks (or hard, if a line is too long) into pieces Telegram accepts."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text] if text else parts or [""]


def not_modified(exc: Exception) -> bool:
    """Whether Telegram refused an edit because the message already says exactly that."""
    return isinstance(exc, BadRequest) and "message is not modified" in str(exc).lower()


class TelegramSender:
    """Sends replies with one PTB ``Bot``."""

    platform = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API call through PTB's request path (defaults, pacing, errors); the result as JSON."""
        return await self.bot._post(method, params)

    async def edit_text(self, chat_id: int | str, message_id: int, text: str, markup: Keyboard | None) -> None:
        """``editMessageText``; without ``markup`` the keyboard goes."""
        params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        if markup:
            params["reply_markup"] = markup
        await self.call("editMessageText", params)

    async def send(self, workspace: str, channel: str, replies: Sequence[Reply]) -> None:
        """Post replies in order; a reply with ``thread`` answers the earlier one with that ``key``."""
        chat_id = int(channel)
        posted: dict[str, int] = {}
        try:
            for reply in replies:
                reply_to = posted.get(reply.thread) if reply.thread else None
                message_id = await self._one(chat_id, reply, reply_to)
                if reply.key and message_id is not None:
                    posted[reply.key] = message_id
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if any(gone in str(exc).lower() for gone in GONE):
                raise Unreachable(str(exc)) from exc
            raise
        except (RetryAfter, NetworkError) as exc:
            raise TemporaryFailure(repr(exc)) from exc

    async def _one(self, chat_id: int, reply: Reply, reply_to: int | None) -> int | None:
        """Post one reply (or edit it into the message it replaces); the id of the message posted, if any."""
        if reply.replaces and not (reply.image or reply.document) and await self._edit(chat_id, reply):
            return None
        parameters = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        if reply.image:  # the text goes in the caption; only what does not fit follows in a reply to the photo
            pieces = split_text(reply.text, MAX_CAPTION)
            caption, rest = pieces[0], "\n".join(pieces[1:])
            message = await self.bot.send_photo(
                chat_id, photo=reply.image, filename=reply.image_name or "chart.png", caption=caption or None,
                reply_parameters=parameters,
            )
            if rest:
                await self._text(chat_id, rest, None, message.message_id)
            return message.message_id
        if reply.document:
            document = await self.bot.send_document(
                chat_id, document=reply.document, filename=reply.document_name or "report.pdf",
                caption=split_text(reply.text, MAX_CAPTION)[0] or None, reply_parameters=parameters,
                write_timeout=60)
            return document.message_id
        return await self._text(chat_id, reply.text, keyboard(reply.choices, reply.ref), reply_to)

    async def _edit(self, chat_id: int, reply: Reply) -> bool:
        """Edit the message ``reply.replaces`` into the reply; False if it cannot be (then it is sent anew)."""
        if len(reply.text) > MAX_TEXT or not str(reply.replaces).isdigit():
            return False
        try:
            await self.edit_text(chat_id, int(str(reply.replaces)), reply.text, keyboard(reply.choices, reply.ref))
        except BadRequest as exc:
            if not_modified(exc):  # it already says this: sent before a crash
                return True
            log.info("editing message %s failed (%s); sending it anew", reply.replaces, exc)
            return False
        return True

    async def _text(self, chat_id: int, text: str, markup: Keyboard | None, reply_to: int | None) -> int | None:
        """``sendMessage`` in pieces Telegram accepts, the keyboard under the last; the first piece's id."""
        parts = split_text(text)
        first = None
        for n, part in enumerate(parts):
            params: dict[str, Any] = {"chat_id": chat_id, "text": part}
            if markup and n == len(parts) - 1:
                params["reply_markup"] = markup
            if reply_to and n == 0:
                params["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
            message = await self.call("sendMessage", params)
            first = first or message["message_id"]
        return first
