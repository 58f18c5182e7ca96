"""A fake Telegram Bot API: long polling, webhooks, messages, callback queries and photos.

It rejects what Telegram rejects: callback_data over 64 bytes, texts over 4096
characters, captions over 1024, and chats the bot does not know. Chats that
"blocked the bot" get 403; ``flood`` makes the next calls of a method get 429.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.server import FakeServer

TOKEN = "123456:TEST-token"
BOT_ID = 123456


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str = ""
    keyboard: list = field(default_factory=list)
    photo: bytes | None = None
    reply_to: int | None = None
    document: bytes | None = None

    def data(self, label_or_value: str) -> str:
        """The callback data of a button by its label or its value."""
        for row in self.keyboard:
            for button in row:
                data = button.get("callback_data", "")
                if button["text"] == label_or_value or data.rsplit("|", 1)[-1] == label_or_value:
                    return data
        raise AssertionError(f"no button {label_or_value!r} in {self.text[:80]!r}: {self.keyboard}")


class FakeTelegram(FakeServer):
    """Implements getMe, getUpdates, set/deleteWebhook, setMyCommands, sendMessage, editMessageText,
    answerCallbackQuery and sendPhoto."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict] = []
        self.sent: list[Sent] = []
        self.commands: dict[str | None, list] = {}
        self.webhook: dict = {}
        self.callback_answers: list[dict] = []
        self.chats: dict[int, dict] = {}
        self.blocked: set[int] = set()
        self.flood: dict[str, int] = {}
        self.retry_after = 1
        self.errors: list[tuple[str, str]] = []
        self.confirmed = 0
        """getUpdates confirms every update below the offset it is called with (Telegram forgets them)."""
        self.late_answers = 0
        self.too_many = 0
        """429s answered because a rate limit was exceeded (see ``limit``)."""
        self.ack_latencies: list[float] = []
        """Seconds from a callback query's delivery to its answer."""
        self.bot_ack_latencies: list[float] = []
        """Seconds from handing a callback query to the bot (getUpdates) to its answer."""
        self._queries: dict[str, float] = {}
        self._handed_over: dict[str, float] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._new_update = asyncio.Event()
        self.app.router.add_route("*", "/bot{token}/{method}", self._api)

    @property
    def api_url(self) -> str:
        return self.base + "/bot"

    # ---- protocol

    async def _params(self, request: web.Request) -> dict:
        params: dict = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                params[key] = value.file.read() if hasattr(value, "file") else value
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                params[key] = json.loads(value)
        return params

    def limit(self, method: str, params: dict) -> int | None:
        """Seconds to wait if this call is over a rate limit, else None (no limits here; see bench/strict_telegram.py)."""
        return None

    def _error(self, code: int, description: str, **extra: object) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description, **extra},
                                 status=code)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if self.flood.get(method):
            self.flood[method] -= 1
            return self._error(429, f"Too Many Requests: retry after {self.retry_after}",
                               parameters={"retry_after": self.retry_after})
        if (wait := self.limit(method, params)) is not None:
            self.too_many += 1
            return self._error(429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait})
        handler = getattr(self, "m_" + method, None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            self.errors.append((method, result.text or ""))
            return result
        return web.json_response({"ok": True, "result": result})

    def _chat(self, params: dict) -> int | web.Response:
        chat_id = int(params["chat_id"])
        if chat_id not in self.chats:
            return self._error(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _check_keyboard(self, params: dict) -> list | web.Response:
        markup = params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        return rows

    def _message(self, chat_id: int, sent: Sent) -> dict:
        chat = self.chats[chat_id]
        return {"message_id": sent.message_id, "date": int(time.time()), "chat": chat, "text": sent.text or None,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Samson"}}

    # ---- methods

    async def m_getMe(self, p: dict) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Samson", "username": "samson_test_bot",
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def m_getUpdates(self, p: dict) -> list:
        self.confirmed = max(self.confirmed, int(p.get("offset") or 0))
        self.updates = [u for u in self.updates if u["update_id"] >= self.confirmed or u.get("_again")]  # forgotten
        timeout = min(float(p.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self.updates if u["update_id"] >= self.confirmed or u.get("_again")][:100]
            now = time.monotonic()
            for u in ready:
                u.pop("_again", None)
                if "callback_query" in u:
                    self._handed_over.setdefault(u["callback_query"]["id"], now)
            if ready or now >= deadline:
                return ready
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass

    async def m_deleteWebhook(self, p: dict) -> bool:
        self.webhook = {}
        return True

    async def m_setWebhook(self, p: dict) -> bool:
        self.webhook = dict(p)
        return True

    async def m_setMyCommands(self, p: dict) -> bool:
        self.commands[p.get("language_code")] = p["commands"]
        return True

    async def m_sendMessage(self, p: dict):
        chat = self._chat(p)
        if isinstance(chat, web.Response):
            return chat
        text = str(p.get("text", ""))
        if not text or len(text) > 4096:
            return self._error(400, "Bad Request: message is too long" if text else "Bad Request: message text is empty")
        keyboard = self._check_keyboard(p)
        if isinstance(keyboard, web.Response):
            return keyboard
        reply = p.get("reply_parameters") or {}
        sent = Sent(chat, next(self._message_ids), text, keyboard, reply_to=reply.get("message_id"))
        self.sent.append(sent)
        return self._message(chat, sent)

    async def m_editMessageText(self, p: dict):
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        for sent in self.sent:
            if sent.chat_id == chat_id and sent.message_id == message_id:
                if len(str(p["text"])) > 4096:
                    return self._error(400, "Bad Request: MESSAGE_TOO_LONG")
                keyboard = (p.get("reply_markup") or {}).get("inline_keyboard", [])
                if sent.text == str(p["text"]) and sent.keyboard == keyboard:
                    return self._error(400, "Bad Request: message is not modified: specified new message content and "
                                            "reply markup are exactly the same as a current content and reply markup "
                                            "of the message")
                sent.text, sent.keyboard = str(p["text"]), keyboard
                return self._message(chat_id, sent)
        return self._error(400, "Bad Request: message to edit not found")

    async def m_answerCallbackQuery(self, p: dict):
        pushed = self._queries.pop(str(p["callback_query_id"]), None)
        if pushed is None or time.monotonic() - pushed > 15:  # answered twice, or too late: Telegram refuses
            self.late_answers += 1
            return self._error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.ack_latencies.append(time.monotonic() - pushed)
        handed = self._handed_over.get(str(p["callback_query_id"]))
        if handed is not None:
            self.bot_ack_latencies.append(time.monotonic() - handed)
        self.callback_answers.append(p)
        return True

    async def m_sendPhoto(self, p: dict):
        chat = self._chat(p)
        if isinstance(chat, web.Response):
            return chat
        photo = p.get("photo")
        if not isinstance(photo, bytes):
            return self._error(400, "Bad Request: there is no photo in the request")
        if len(str(p.get("caption") or "")) > 1024:
            return self._error(400, "Bad Request: message caption is too long")
        reply = p.get("reply_parameters") or {}
        sent = Sent(chat, next(self._message_ids), str(p.get("caption") or ""), photo=photo,
                    reply_to=reply.get("message_id"))
        self.sent.append(sent)
        return self._message(chat, sent)

    async def m_sendDocument(self, p: dict):
        chat = self._chat(p)
        if isinstance(chat, web.Response):
            return chat
        document = p.get("document")
        if not isinstance(document, bytes):
            return self._error(400, "Bad Request: there is no document in the request")
        if len(str(p.get("caption") or "")) > 1024:
            return self._error(400, "Bad Request: message caption is too long")
        if len(document) > 50 * 2**20:
            return self._error(413, "Request Entity Too Large")
        sent = Sent(chat, next(self._message_ids), str(p.get("caption") or ""), document=document)
        self.sent.append(sent)
        return self._message(chat, sent)

    # ---- what users do

    def user(self, user_id: int, first_name: str = "Test", language_code: str = "en") -> dict:
        self.chats[user_id] = {"id": user_id, "type": "private", "first_name": first_name}
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}

    def group(self, chat_id: int, title: str = "Group") -> dict:
        self.chats[chat_id] = {"id": chat_id, "type": "group", "title": title}
        return self.chats[chat_id]

    def push(self, update: dict) -> dict:
        update.setdefault("update_id", next(self._update_ids))
        if "callback_query" in update and not update.get("_again"):
            self._queries.setdefault(update["callback_query"]["id"], time.monotonic())
        self.updates.append(update)
        self._new_update.set()
        return update

    def redeliver(self, update: dict) -> dict:
        """Deliver an update again, as Telegram does when its offset was not confirmed (or a webhook failed)."""
        return self.push({**update, "_again": True})

    def message_update(self, user: dict, text: str, chat: dict | None = None) -> dict:
        chat = chat or self.chats[user["id"]]
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}] if text.startswith("/") else []
        return {"update_id": next(self._update_ids), "message": {
            "message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "from": user,
            "text": text, "entities": entities}}

    def callback_update(self, user: dict, sent: Sent, data: str) -> dict:
        message = self._message(sent.chat_id, sent)
        message["reply_markup"] = {"inline_keyboard": sent.keyboard}
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._message_ids)), "from": user, "chat_instance": "ci", "data": data,
            "message": message}}

    def say(self, user: dict, text: str, chat: dict | None = None) -> dict:
        return self.push(self.message_update(user, text, chat))

    def tap(self, user: dict, sent: Sent, label_or_value: str) -> dict:
        return self.push(self.callback_update(user, sent, sent.data(label_or_value)))

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def keyboard_state(self, chat_id: int) -> tuple | None:
        """What the newest question shows (edits in place change it without a new message)."""
        sent = self.last_keyboard(chat_id)
        return None if sent is None else (sent.message_id, sent.text, repr(sent.keyboard))

    def last_keyboard(self, chat_id: int) -> Sent | None:
        for sent in reversed(self.to(chat_id)):
            if sent.keyboard:
                return sent
        return None
