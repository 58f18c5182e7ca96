"""A fake Slack Web API: the methods the adapter calls, file uploads, response URLs and Socket Mode."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from tests.fakes.server import FakeServer


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list = field(default_factory=list)
    thread_ts: str | None = None
    user: str | None = None
    """Set for ephemeral messages: who sees it."""
    files: list = field(default_factory=list)

    def buttons(self) -> list[tuple[str, dict, dict]]:
        """(block_id, button, block) for every button."""
        found = []
        for block in self.blocks:
            if block.get("type") == "actions":
                for element in block["elements"]:
                    found.append((block["block_id"], element, block))
        return found

    def button(self, value: str) -> tuple[str, dict]:
        for block_id, element, _ in self.buttons():
            if element.get("value") == value:
                return block_id, element
        raise AssertionError(f"no button {value!r} in {self.text!r}: {[b[1].get('value') for b in self.buttons()]}")


class FakeSlack(FakeServer):
    """Implements auth.test, conversations.open, chat.*, views.open, users.info, files.* and apps.connections.open."""

    def __init__(self, team: str = "T1") -> None:
        super().__init__()
        self.team = team
        self.messages: list[Message] = []
        self.ephemeral: list[Message] = []
        self.views: list[dict] = []
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, dict] = {}
        self.responses: list[dict] = []
        self.locales: dict[str, str] = {}
        self.rate_limit: dict[str, int] = {}
        """method → how many of the next calls get 429."""
        self.retry_after = 1
        self.socket_acks: list[dict] = []
        self.outside: set[str] = set()
        """Channels the bot is not a member of: posting there fails with not_in_channel."""
        self.share_lag = 0
        """How many files.info calls per file see no shares yet (Slack fills them in asynchronously)."""
        self._share_lookups: dict[str, int] = {}
        self._ws: web.WebSocketResponse | None = None
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.app.router.add_route("*", "/api/{method}", self._api)
        self.app.router.add_post("/upload/{file_id}", self._upload)
        self.app.router.add_post("/response/{id}", self._response_url)
        self.app.router.add_get("/socket", self._socket)

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    async def _params(self, request: web.Request) -> dict:
        params: dict = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(dict(await request.post()))
        for key in ("blocks", "files", "view", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if self.rate_limit.get(method):
            self.rate_limit[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(self.retry_after)})
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(await handler(params))

    # ---- Web API methods

    async def m_auth_test(self, p: dict) -> dict:
        return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "samson",
                "team_id": self.team, "user_id": "UBOT", "bot_id": "BBOT"}

    async def m_apps_connections_open(self, p: dict) -> dict:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    async def m_conversations_open(self, p: dict) -> dict:
        user = p["users"].split(",")[0]
        return {"ok": True, "channel": {"id": "D" + user}}

    async def m_conversations_info(self, p: dict) -> dict:
        channel = p["channel"]
        if channel.startswith("G") and channel in self.outside:  # a private channel the bot is not in
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "is_im": channel.startswith("D"),
                                        "is_member": channel not in self.outside}}

    async def m_users_info(self, p: dict) -> dict:
        user = p["user"]
        return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": f"Person {user}",
                                     "locale": self.locales.get(user, "en-US"),
                                     "profile": {"display_name": f"Person {user}"}}}

    async def m_chat_postMessage(self, p: dict) -> dict:
        channel = p["channel"]
        if channel.startswith("C404"):
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        text = p.get("text") or ""
        if len(text) > 40_000 or len(p.get("blocks") or []) > 50:
            return {"ok": False, "error": "msg_too_long" if len(text) > 40_000 else "invalid_blocks"}
        message = Message(channel, self.next_ts(), text, p.get("blocks") or [], p.get("thread_ts"))
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": {"text": text}}

    async def m_chat_update(self, p: dict) -> dict:
        for message in self.messages:
            if message.channel == p["channel"] and message.ts == p["ts"]:
                message.text = p.get("text", message.text)
                message.blocks = p.get("blocks") or []
                return {"ok": True, "channel": message.channel, "ts": message.ts}
        return {"ok": False, "error": "message_not_found"}

    async def m_chat_postEphemeral(self, p: dict) -> dict:
        if p["channel"] in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        self.ephemeral.append(Message(p["channel"], self.next_ts(), p.get("text", ""), p.get("blocks") or [],
                                      user=p["user"]))
        return {"ok": True, "message_ts": self.ephemeral[-1].ts}

    async def m_views_open(self, p: dict) -> dict:
        view = dict(p["view"], id=f"V{next(self._ids)}")
        self.views.append(view)
        return {"ok": True, "view": view}

    async def m_files_getUploadURLExternal(self, p: dict) -> dict:
        file_id = f"F{next(self._ids)}"
        self.files[file_id] = {"id": file_id, "name": p.get("filename"), "length": int(p.get("length", 0)),
                               "alt_txt": p.get("alt_txt")}
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    async def m_files_completeUploadExternal(self, p: dict) -> dict:
        channel = p.get("channel_id")
        shared = []
        for entry in p["files"]:
            record = self.files[entry["id"]]
            record["title"] = entry.get("title")
            if entry["id"] not in self.uploads:
                return {"ok": False, "error": "file_not_uploaded"}
            shared.append(record)
        if channel:
            message = Message(channel, self.next_ts(), p.get("initial_comment", ""), [], p.get("thread_ts"),
                              files=[f["id"] for f in shared])
            self.messages.append(message)
            for record in shared:
                record["shares"] = {"public": {channel: [{"ts": message.ts}]}}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in shared]}

    async def m_files_info(self, p: dict) -> dict:
        record = self.files.get(p["file"])
        if not record:
            return {"ok": False, "error": "file_not_found"}
        seen = self._share_lookups[p["file"]] = self._share_lookups.get(p["file"], 0) + 1
        if seen <= self.share_lag:
            return {"ok": True, "file": {k: v for k, v in record.items() if k != "shares"}}
        return {"ok": True, "file": record}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        body = await request.read()
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()))
            body = part.file.read() if hasattr(part, "file") else bytes(part)
        self.uploads[file_id] = body
        self.calls.append(("upload", {"file_id": file_id, "size": len(body)}))
        return web.Response(text=f"OK - {len(body)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.json_response({"ok": True})

    # ---- Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
        return ws

    @property
    def socket_connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def socket_send(self, envelope: dict) -> None:
        assert self._ws is not None
        await self._ws.send_json(envelope)

    # ---- helpers for tests

    def in_channel(self, channel: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel]

    def last_with_buttons(self, channel: str) -> Message | None:
        for message in reversed(self.in_channel(channel)):
            if message.buttons():
                return message
        return None
