"""Posting neutral replies into Slack: messages, files (external upload flow) and threads.

Each channel is paced to about one message a second (short bursts allowed);
429 answers are retried after Retry-After by the client's retry handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiolimiter import AsyncLimiter
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import chunks, reply_blocks, slack_text
from bot.delivery import TemporaryFailure, Unreachable
from bot.events import Reply
from core.i18n import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)
GONE = {
    "channel_not_found", "user_not_found", "account_inactive", "is_archived", "not_in_channel",
    "cannot_dm_bot", "user_disabled", "missing_scope", "restricted_action",
}
MAX_TEXT = 39_000
SHARE_WAITS = (0.3, 0.7, 1.5, 3.0)
"""Seconds to wait for an uploaded file's share to appear in files.info (it is filled in asynchronously)."""


class SlackSender:
    """Sends replies through one Web API client."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, per_channel: float = 0.95, burst: int = 1) -> None:
        self.client = client
        self._rate = (per_channel, burst)
        self._limiters: dict[str, AsyncLimiter] = {}
        self._dms: dict[str, str] = {}
        self._member_of: set[str] = set()
        self._profiles: dict[str, tuple[str, str | None]] = {}

    async def profile(self, user: str) -> tuple[str, str | None]:
        """A user's display name and locale (a language hint), looked up once per process."""
        if user not in self._profiles:
            try:
                info = (await self.client.users_info(user=user, include_locale=True))["user"]
            except SlackApiError as exc:
                log.warning("users.info for %s failed: %s", user, exc)
                return user, None
            profile = info.get("profile") or {}
            name = profile.get("display_name") or info.get("real_name") or info.get("name") or user
            self._profiles[user] = (name, info.get("locale"))
        return self._profiles[user]

    async def recipient_locale(self, workspace: str, channel: str) -> str | None:
        """The locale of the user a DM goes to, when the target is a user id."""
        return (await self.profile(channel))[1] if channel[:1] in ("U", "W") else None

    def pace(self, per_second: float, burst: int) -> None:
        """Set the per-channel pace (about 1/s on Slack; tests click faster than people)."""
        self._rate = (per_second, burst)
        self._limiters.clear()

    async def _paced(self, channel: str) -> None:
        per_second, burst = self._rate
        limiter = self._limiters.setdefault(channel, AsyncLimiter(burst, burst / per_second))
        await limiter.acquire()

    async def is_member(self, channel: str) -> bool:
        """Whether the bot is in ``channel`` (``conversations.info``); a yes is remembered, a no asked again."""
        if channel in self._member_of or channel.startswith("D"):
            return True
        try:
            info = (await self.client.conversations_info(channel=channel))["channel"]
        except SlackApiError:  # a private channel the bot is not in looks like no channel at all
            return False
        if info.get("is_member") or info.get("is_im"):
            self._member_of.add(channel)
            return True
        return False

    async def open_dm(self, user: str) -> str:
        """The DM channel with a user (``conversations.open``), cached."""
        if user not in self._dms:
            self._dms[user] = (await self.client.conversations_open(users=user))["channel"]["id"]
        return self._dms[user]

    async def send(self, workspace: str, channel: str, replies: Sequence[Reply], lang: str = DEFAULT_LANGUAGE) -> None:
        """Post replies in order; a reply with ``thread`` goes under the earlier one with that ``key``."""
        try:
            if channel[:1] in ("U", "W"):
                channel = await self.open_dm(channel)
            posted: dict[str, str] = {}
            for reply in replies:
                if reply.replaces and not (reply.image or reply.document) and await self._update(channel, reply, lang):
                    continue
                thread_ts = posted.get(reply.thread) if reply.thread else None
                ts = await (self._upload(channel, reply, thread_ts) if reply.image or reply.document else
                            self._post(channel, reply, thread_ts, lang))
                if reply.key and ts:
                    posted[reply.key] = ts
        except SlackApiError as exc:
            error = exc.response.get("error", "")
            if error in GONE:
                raise Unreachable(error) from exc
            if error == "ratelimited" or exc.response.status_code >= 500:
                raise TemporaryFailure(error) from exc
            raise
        except OSError as exc:
            raise TemporaryFailure(repr(exc)) from exc

    async def _update(self, channel: str, reply: Reply, lang: str) -> bool:
        """Edit the message ``reply.replaces`` into the reply; False if it cannot be (then it is posted anew)."""
        if len(reply.text) > MAX_TEXT:
            return False
        try:
            await self.client.chat_update(channel=channel, ts=str(reply.replaces), text=slack_text(reply.text),
                                          blocks=reply_blocks(reply, lang))
        except SlackApiError as exc:
            log.info("updating message %s failed (%s); posting it anew", reply.replaces, exc.response.get("error"))
            return False
        return True

    async def _post(self, channel: str, reply: Reply, thread_ts: str | None, lang: str) -> str | None:
        ts = None
        texts = chunks(reply.text, MAX_TEXT) or [""]
        for n, text in enumerate(texts):
            last = n == len(texts) - 1
            part = Reply(text=text, choices=reply.choices if last else (), accepts=reply.accepts if last else None,
                         ref=reply.ref)
            await self._paced(channel)
            response = await self.client.chat_postMessage(
                channel=channel, text=slack_text(text)[:MAX_TEXT], blocks=reply_blocks(part, lang),
                thread_ts=thread_ts, unfurl_links=False,
            )
            ts = ts or response.get("ts")
        return ts

    async def _upload(self, channel: str, reply: Reply, thread_ts: str | None) -> str | None:
        """Upload an image or a document with files.getUploadURLExternal / files.completeUploadExternal;
        returns its message ts."""
        await self._paced(channel)
        name = reply.image_name or "chart.png" if reply.image else reply.document_name or "report.pdf"
        extra = {"alt_txt": (reply.image_alt or "")[:1000]} if reply.image else {}
        response = await self.client.files_upload_v2(
            channel=channel, file=reply.image or reply.document, filename=name, title=name,
            initial_comment=slack_text(reply.text), thread_ts=thread_ts, **extra,
        )
        file_id = (response.get("files") or [{}])[0].get("id") or (response.get("file") or {}).get("id")
        if not file_id or not reply.key:
            return None
        for wait in (0.0, *SHARE_WAITS):  # the share (and so the message ts) appears a moment after the upload
            await asyncio.sleep(wait)
            try:
                info = await self.client.files_info(file=file_id)
            except SlackApiError:
                return None
            shares = (info.get("file") or {}).get("shares") or {}
            for scope in ("public", "private"):
                found = (shares.get(scope) or {}).get(channel)
                if found:
                    return found[0].get("ts")
        log.warning("file %s has no share in %s yet; what belongs in its thread is posted beside it", file_id, channel)
        return None

    async def ephemeral(self, channel: str, user: str, text: str) -> None:
        """A message only ``user`` sees, in ``channel``."""
        try:
            await self.client.chat_postEphemeral(channel=channel, user=user, text=slack_text(text)[:MAX_TEXT])
        except SlackApiError as exc:
            log.warning("chat.postEphemeral failed: %s", exc.response.get("error"))
