"""Plays Slack's side towards the bot: signed slash commands, button clicks, modal submissions and events."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlack, Message


class SlackDriver:
    """Sends requests to the bot's ``/slack/events`` signed with the app's signing secret."""

    def __init__(self, url: str, secret: str, fake: FakeSlack) -> None:
        self.url = url
        self.secret = secret
        self.fake = fake
        self.team = fake.team
        self._ids = itertools.count(1)
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(self.secret).generate_signature(timestamp=ts, body=body),
        }

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None,
                   signed: bool = True) -> tuple[int, str, float]:
        """POST a raw body; returns (status, text, seconds until the response)."""
        all_headers = {"Content-Type": content_type, **(self.sign(body) if signed else {}), **(headers or {})}
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            text = await response.text()
            return response.status, text, time.perf_counter() - started

    async def command(self, user: str, channel: str, text: str) -> tuple[int, str, float]:
        body = urlencode({
            "token": "x", "team_id": self.team, "channel_id": channel, "channel_name": "c", "user_id": user,
            "user_name": user.lower(), "command": "/samson", "text": text,
            "response_url": f"{self.fake.base}/response/{next(self._ids)}", "trigger_id": f"t{next(self._ids)}",
            "api_app_id": "A1",
        })
        return await self.post(body, "application/x-www-form-urlencoded")

    def action_body(self, user: str, message: Message, value: str) -> str:
        block_id, button = message.button(value)
        payload = {
            "type": "block_actions", "team": {"id": self.team}, "user": {"id": user, "team_id": self.team},
            "api_app_id": "A1", "token": "x", "trigger_id": f"t{next(self._ids)}",
            "channel": {"id": message.channel}, "container": {
                "type": "message", "message_ts": message.ts, "channel_id": message.channel},
            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks, "type": "message"},
            "response_url": f"{self.fake.base}/response/{next(self._ids)}",
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": block_id,
                         "value": button["value"], "text": button["text"], "action_ts": str(time.time())}],
        }
        return urlencode({"payload": json.dumps(payload)})

    async def click(self, user: str, message: Message, value: str) -> tuple[int, str, float]:
        return await self.post(self.action_body(user, message, value), "application/x-www-form-urlencoded")

    async def submit(self, user: str, view: dict, value: str) -> tuple[int, str, float]:
        payload = {
            "type": "view_submission", "team": {"id": self.team}, "user": {"id": user, "team_id": self.team},
            "api_app_id": "A1", "token": "x", "trigger_id": f"t{next(self._ids)}",
            "view": {**view, "state": {"values": {"input": {"value": {"type": "x", "value": value}}}}},
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def event_body(self, event: dict, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "x", "team_id": self.team, "api_app_id": "A1", "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids)}", "event_time": int(time.time()),
        })

    async def dm(self, user: str, text: str, event_id: str | None = None) -> tuple[int, str, float]:
        event = {"type": "message", "channel": "D" + user, "channel_type": "im", "user": user, "text": text,
                 "ts": f"{time.time():.6f}"}
        return await self.post(self.event_body(event, event_id), "application/json")
