"""The Slack adapter: Bolt ``AsyncApp`` events in, Block Kit messages out.

HTTP mode serves ``/slack/events`` on the bot's one aiohttp server (Bolt checks
every request's signature); Socket Mode runs when an app token is given. Every
listener acks first and does the work after the ack, so Slack gets its answer
well within 3 s however slow the work is. Before the ack, the event is stored in
the inbox (a Slack retry of it is recognised there and dropped), so a crash after
the ack loses nothing.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import replace

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import metrics
from bot.adapters.slack_blocks import INPUT_VIEW, WRITE, answered_blocks, input_view, reply_blocks, slack_text
from bot.adapters.slack_requests import malformed
from bot.adapters.slack_sender import MAX_TEXT, SlackSender
from bot.delivery import TemporaryFailure, Unreachable
from bot.dispatch import BotCore
from bot.events import Audience, Event, EventKind, Reply, fold, may_replace
from core.i18n import DEFAULT_LANGUAGE, language_from_hint, t

log = logging.getLogger(__name__)
PLATFORM = "slack"


class CountingRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handling (wait ``Retry-After``, retry that request only), counted in the metrics."""

    async def _can_retry_async(self, *, state, request, response=None, error=None) -> bool:  # type: ignore[no-untyped-def]
        if response is not None and response.status_code == 429:
            metrics.RATE_LIMITED.labels(PLATFORM).inc()
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def web_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client for ``base_url`` that honours 429 Retry-After and retries connection errors."""
    return AsyncWebClient(
        token=token, base_url=base_url if base_url.endswith("/") else base_url + "/",
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            CountingRateLimitRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackAdapter:
    """Connects a Bolt app to the bot core."""

    platform = PLATFORM

    def __init__(self, core: BotCore, token: str, signing_secret: str, api_url: str) -> None:
        self.core = core
        self.client = web_client(token, api_url)
        self.sender = SlackSender(self.client)
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret, process_before_response=False)
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None  # Socket Mode signs nothing
        self._stored: set[str] = set()
        """Keys of message events stored by ``handle_http`` and not yet taken by their listener."""
        self.app.command("/samson")(self._on_command)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.view(INPUT_VIEW)(self._on_view)
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._ignore)

    # ---- HTTP and Socket Mode

    async def handle_http(self, request: web.Request) -> web.Response:
        """The ``/slack/events`` endpoint: 401 unless signed, 400 if Slack could never have sent it, else Bolt."""
        received = time.monotonic()
        body = await request.text()
        if self.verifier is None or not self.verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401, text="invalid signature")
        if (reason := malformed(body, request.content_type)) is not None:
            log.warning("malformed Slack request refused: %s", reason)
            return web.Response(status=400, text=reason)
        try:
            if request.content_type == "application/json" and not await self._store_event(body):
                return web.Response(text="")  # a retry of an event already stored: acknowledged, nothing else
        except Exception as exc:  # not stored: Slack retries the event later
            log.error("storing a Slack event failed: %s", exc)
            return web.Response(status=503, text="try again")
        response = await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))
        metrics.ACK_SECONDS.labels(PLATFORM).observe(time.monotonic() - received)
        return response

    async def _store_event(self, raw: str) -> bool:
        """Store a direct message event before Bolt acks it (Bolt acks events by itself); False for a retry."""
        try:
            body = json.loads(raw)
        except ValueError:
            return True
        neutral = self._message_event(body, body.get("event") or {}) if body.get("type") == "event_callback" else None
        if neutral is None:
            return True
        if not await self.core.accept(neutral):
            return False
        self._stored.add(neutral.update_key or "")
        return True

    def socket_mode(self, app_token: str):  # -> AsyncSocketModeHandler
        """A Socket Mode handler for this app; ``await handler.connect_async()`` starts it."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        return AsyncSocketModeHandler(self.app, app_token, web_client=self.client)

    # ---- listeners (each acks first)

    async def _on_command(self, ack: AsyncAck, body: dict) -> None:
        text = (body.get("text") or "").strip() or "help"
        channel = body["channel_id"]
        event = self._event(
            body["team_id"], channel, body["user_id"], EventKind.COMMAND, text,
            f"slack:{body['team_id']}:cmd:{body.get('trigger_id', '')}" if body.get("trigger_id") else None,
            private=channel.startswith("D"),
        )
        if not await self._take(ack, event):
            return
        event = await self._profiled(event)
        if not event.private and not await self.sender.is_member(channel):
            event = replace(event, bot_in_chat=False)  # it can answer only the person, through response_url
        await self._reply(event, await self.core.handle(event), response_url=body.get("response_url"))

    async def _on_action(self, ack: AsyncAck, body: dict) -> None:
        action = body["actions"][0]
        value = action.get("value", "")
        team = body["team"]["id"]
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body["container"].get("channel_id", "")
        message = body.get("message") or {}
        ts = message.get("ts") or body["container"].get("message_ts", "")
        block = action.get("block_id", "")
        ref = block.split("|")[1] if block.startswith("r|") else None
        if value in (WRITE, "idea") and body.get("trigger_id"):
            await ack()
            await self._open_modal(body, value, ref, channel, ts, message.get("text", ""))
            return
        label = (action.get("text") or {}).get("text", value)
        event = replace(self._event(
            # One question message serves a whole round (edited in place), so the click's own time is in the key.
            team, channel, user, EventKind.CHOICE, value, f"slack:{team}:act:{channel}:{ts}:{action.get('action_ts', '')}",
            private=channel.startswith("D"), ref=ref,
        ), message=ts or None, pressed=label)
        if not await self._take(ack, event):
            return
        event = await self._profiled(event)
        replies = await self.core.handle(event)
        rest = await self._answer_in_place(event, replies, channel, ts, message.get("text", ""), label)
        await self._reply(event, rest, edited=len(rest) < len(replies))

    async def _on_view(self, ack: AsyncAck, body: dict, view: dict) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        raw = (view["state"]["values"].get("input", {}).get("value") or {}).get("value") or ""
        if meta.get("kind") == "number":
            lo, hi = meta.get("min"), meta.get("max")
            if not raw.strip().lstrip("-").isdigit() or (lo is not None and not lo <= int(raw) <= hi):
                lang = meta.get("lang") or DEFAULT_LANGUAGE
                await ack(response_action="errors", errors={"input": t(lang, "flow.type_number", min=lo, max=hi)})
                return
        team = body["team"]["id"]
        payload = raw.strip()
        if meta.get("kind") == "idea" and not (meta.get("ref") or "").endswith("i"):
            payload = "idea: " + payload
        channel = meta.get("channel", "")
        event = replace(self._event(
            team, channel, body["user"]["id"], EventKind.CHOICE if meta.get("ref") else EventKind.TEXT, payload,
            f"slack:{team}:view:{view['id']}", private=channel.startswith("D"), ref=meta.get("ref"),
        ), message=meta.get("ts") or None, pressed=payload)
        if not await self._take(ack, event):
            return
        event = await self._profiled(event)
        replies = await self.core.handle(event)
        rest = await self._answer_in_place(event, replies, channel, meta.get("ts", ""), meta.get("text", ""), payload)
        await self._reply(event, rest, edited=len(rest) < len(replies))

    def _message_event(self, body: dict, event: dict) -> Event | None:
        """The neutral event for a direct message to the bot, or None for anything else."""
        if event.get("type") != "message" or event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return None
        text = (event.get("text") or "").strip()
        if event.get("channel_type") != "im" or not text:
            return None
        team = body.get("team_id") or event.get("team", "")
        kind = EventKind.COMMAND if text.startswith("/") else EventKind.TEXT
        return self._event(
            team, event["channel"], event["user"], kind, text, f"slack:{team}:ev:{body.get('event_id', event.get('ts'))}",
            private=True,
        )

    async def _on_message(self, body: dict, event: dict) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        if event.get("channel_type") != "im":
            team = body.get("team_id") or event.get("team", "")
            await self.core.record_activity(PLATFORM, team, event["channel"], event["user"])
            return
        neutral = self._message_event(body, event)
        if neutral is None:
            return
        key = neutral.update_key or ""
        if key in self._stored:  # HTTP: stored before the ack
            self._stored.discard(key)
        elif not await self.core.accept(neutral):  # Socket Mode: stored here; a retry is dropped
            return
        await self._reply(neutral := await self._profiled(neutral), await self.core.handle(neutral))

    async def _ignore(self) -> None:
        return None

    # ---- helpers

    @staticmethod
    def _event(
        team: str, channel: str, user: str, kind: EventKind, payload: str, key: str | None,
        *, private: bool, ref: str | None = None,
    ) -> Event:
        return Event(
            platform=PLATFORM, workspace=team, channel=channel, user=user, kind=kind, payload=payload,
            update_key=key, private=private, ref=ref, can_ephemeral=True,
        )

    async def _profiled(self, event: Event) -> Event:
        """The event with the user's name and locale (``users.info``, once per process)."""
        return event.with_profile(*await self.sender.profile(event.user))

    async def _take(self, ack: AsyncAck, event: Event) -> bool:
        """Store the event, then ack; False for a re-delivery (acked, nothing else).

        If it cannot be stored there is no ack: Slack retries, or tells the user it failed.
        """
        fresh = await self.core.accept(event)
        await ack()
        return fresh

    def _lang(self, event: Event) -> str:
        return language_from_hint(event.locale_hint) or DEFAULT_LANGUAGE

    async def _open_modal(self, body: dict, value: str, ref: str | None, channel: str, ts: str, text: str) -> None:
        lang = language_from_hint((await self.sender.profile(body["user"]["id"]))[1]) or DEFAULT_LANGUAGE
        kind, lo, hi = ("idea", None, None) if value == "idea" or (ref or "").endswith("i") else ("text", None, None)
        numbers = re.search(r"\bnum:(\d+)-(\d+)", body["actions"][0].get("action_id", ""))
        if value == WRITE and numbers:
            kind, lo, hi = "number", int(numbers.group(1)), int(numbers.group(2))
        meta = {"kind": kind, "ref": ref, "channel": channel, "ts": ts, "text": text[:1500], "min": lo, "max": hi,
                "lang": lang}
        await self.client.views_open(trigger_id=body["trigger_id"], view=input_view(lang, kind, meta, lo, hi))

    async def _respond(self, response_url: str, replies: Sequence[Reply], lang: str) -> list[Reply]:
        """Answer through ``response_url`` (only the person sees it); returns what must go to their DM instead."""
        webhook = AsyncWebhookClient(response_url)
        rest: list[Reply] = []
        for reply in replies:
            if reply.audience == Audience.PERSON or reply.image is not None:
                rest.append(replace(reply, audience=Audience.PERSON))
                continue
            try:
                await webhook.send(text=slack_text(reply.text)[:MAX_TEXT], blocks=reply_blocks(reply, lang),
                                   response_type="ephemeral", replace_original=False)
            except (OSError, ValueError) as exc:
                log.warning("answering through response_url failed: %s", exc)
        return rest

    async def _answer_in_place(
        self, event: Event, replies: Sequence[Reply], channel: str, ts: str, text: str, label: str
    ) -> list[Reply]:
        """Turn the answered question into the next one (one message per round); returns what is left to send.

        When the replies cannot replace it (a chart, several messages with buttons), the
        question shows the chosen answer instead of its buttons. Duplicates and stale
        clicks change nothing.
        """
        update = next((r for r in replies if r.in_place), None)
        if update is not None and ts:
            try:
                await self.client.chat_update(channel=channel, ts=ts, text=slack_text(update.text)[:MAX_TEXT],
                                              blocks=reply_blocks(update, self._lang(event)))
                return [r for r in replies if r is not update]
            except (SlackApiError, ValueError) as exc:
                log.info("updating the session message failed (%s); posting it anew", exc)
        if not ts or not may_replace(replies):
            return list(replies)
        here = [r for r in replies if r.audience == Audience.CHAT]
        folded = fold(here, label)
        try:
            if folded is not None:
                blocks = reply_blocks(folded, self._lang(event))
                await self.client.chat_update(channel=channel, ts=ts, text=slack_text(folded.text)[:MAX_TEXT],
                                              blocks=blocks)
                return [r for r in replies if r not in here]
        except (SlackApiError, ValueError) as exc:
            log.info("updating the question in place failed (%s); sending it anew", exc)
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=answered_blocks(text, label))
        except SlackApiError as exc:
            log.warning("chat.update failed: %s", exc.response.get("error"))
        return list(replies)

    async def _reply(self, event: Event, replies: Sequence[Reply], edited: bool = False,
                     response_url: str | None = None) -> None:
        """Send a turn's replies where the core said: this channel, ephemerally here, or the person's DM.

        In a channel the bot is not in, what was for the channel goes to the person only:
        through the command's ``response_url``, and images to their DM.
        """
        if not replies and not edited:
            return
        lang = self._lang(event)
        retry = False
        if not event.bot_in_chat and response_url:
            replies = await self._respond(response_url, replies, lang)
        for reply in replies:
            if reply.notice or reply.audience == Audience.EPHEMERAL:
                await self.sender.ephemeral(event.channel, event.user, reply.text)
        for target, audience in ((event.channel, Audience.CHAT), (event.user, Audience.PERSON)):
            batch = [r for r in replies if not r.notice and r.audience == audience]
            try:
                if batch:
                    await self.sender.send(event.workspace, target, batch, lang=lang)
            except Unreachable as exc:
                log.info("slack channel %s unreachable: %s", target, exc)
            except TemporaryFailure as exc:
                log.warning("reply to slack channel %s failed for now (%s); the outbox tries again", target, exc)
                retry = True
        await self.core.delivered(event, retry=retry)
