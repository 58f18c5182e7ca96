"""Posting neutral replies into Telegram chats: texts split at 4096 characters, inline keyboards, photos.

All calls go through the bot's ``AIORateLimiter`` (about 30 messages/s overall and
20/min per group), which also waits out ``RetryAfter`` and retries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
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


def keyboard(choices: Sequence[Choice], ref: str | None) -> InlineKeyboardMarkup | None:
    """Number buttons five to a row (1–10 in two rows), other choices two to a row."""
    numbers = [c for c in choices if c.label.isdigit()]
    others = [c for c in choices if not c.label.isdigit()]
    rows: list[list[InlineKeyboardButton]] = []
    for group, width in ((numbers, 5), (others, 2)):
        buttons = [InlineKeyboardButton(c.label, callback_data=data)
                   for c in group if (data := callback_data(c.value, ref)) is not None]
        rows += [buttons[i: i + width] for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(rows) if rows else None


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

    async def send(self, workspace: str, channel: str, replies: Sequence[Reply]) -> None:
        """Post replies in order; a reply with ``thread`` answers the earlier one with that ``key``."""
        chat_id = int(channel)
        posted: dict[str, int] = {}
        try:
            for reply in replies:
                reply_to = posted.get(reply.thread) if reply.thread else None
                message = await self._one(chat_id, reply, reply_to)
                if reply.key and message is not None:
                    posted[reply.key] = message.message_id
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if any(gone in str(exc).lower() for gone in GONE):
                raise Unreachable(str(exc)) from exc
            raise
        except (RetryAfter, NetworkError) as exc:
            raise TemporaryFailure(repr(exc)) from exc

    async def _one(self, chat_id: int, reply: Reply, reply_to: int | None) -> Message | None:
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
                await self._text(chat_id, rest, None, ReplyParameters(message.message_id))
            return message
        if reply.document:
            return await self.bot.send_document(
                chat_id, document=reply.document, filename=reply.document_name or "report.pdf",
                caption=split_text(reply.text, MAX_CAPTION)[0] or None, reply_parameters=parameters,
                write_timeout=60)
        return await self._text(chat_id, reply.text, keyboard(reply.choices, reply.ref), parameters)

    async def _edit(self, chat_id: int, reply: Reply) -> bool:
        """Edit the message ``reply.replaces`` into the reply; False if it cannot be (then it is sent anew)."""
        if len(reply.text) > MAX_TEXT or not str(reply.replaces).isdigit():
            return False
        try:
            await self.bot.edit_message_text(reply.text, chat_id=chat_id, message_id=int(str(reply.replaces)),
                                             reply_markup=keyboard(reply.choices, reply.ref))
        except BadRequest as exc:
            if not_modified(exc):  # it already says this: sent before a crash
                return True
            log.info("editing message %s failed (%s); sending it anew", reply.replaces, exc)
            return False
        return True

    async def _text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None,
                    parameters: ReplyParameters | None) -> Message | None:
        parts = split_text(text)
        first = None
        for n, part in enumerate(parts):
            message = await self.bot.send_message(
                chat_id, part, reply_markup=markup if n == len(parts) - 1 else None,
                reply_parameters=parameters if n == 0 else None,
            )
            first = first or message
        return first
