"""Pacing for the Telegram Bot API, so a 429 stays an exception (PRODUCT.md §7).

A ``BaseRateLimiter`` on ``aiolimiter`` buckets. Only message-sending methods count
(an edit of the question just answered does not):

- overall: one at a time, 27/s (any one-second window holds at most 28 < 30, with room for network jitter);
- a private chat: a burst of 3, then 1/s;
- a group: 1 at once, then 19/min (any minute holds at most 20).

A 429 (``RetryAfter``) pauses only its own chat for ``retry_after``; other chats go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot import metrics

log = logging.getLogger(__name__)
SENDING = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendAnimation", "sendAudio", "sendVideo",
    "sendVoice", "sendSticker", "sendLocation", "sendPoll", "copyMessage", "forwardMessage",
})
Result = bool | dict[str, Any] | list[dict[str, Any]]
DEFAULTS: dict[str, float] = {"overall_per_second": 27, "private_burst": 3, "private_per_second": 1.0,
                              "group_per_minute": 19}
"""The pace of a new limiter (tests that click faster than people raise these)."""


class PacedRateLimiter(BaseRateLimiter[int]):
    """Per-chat and overall pacing below Telegram's limits; a 429 pauses only its chat."""

    def __init__(self, overall_per_second: float | None = None, private_burst: int | None = None,
                 private_per_second: float | None = None, group_per_minute: float | None = None,
                 max_retries: int = 3) -> None:
        overall_per_second = overall_per_second or DEFAULTS["overall_per_second"]
        private_burst = int(private_burst or DEFAULTS["private_burst"])
        private_per_second = private_per_second or DEFAULTS["private_per_second"]
        group_per_minute = group_per_minute or DEFAULTS["group_per_minute"]
        self._overall = AsyncLimiter(1, 1 / overall_per_second)
        self._private = (private_burst, private_burst / private_per_second)
        self._group = (1, 60 / group_per_minute)
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._paused_until: dict[int | str, float] = {}
        self.max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_limiter(self, chat: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat)
        if limiter is None:
            group = isinstance(chat, str) or chat < 0
            rate, period = self._group if group else self._private
            limiter = self._chats[chat] = AsyncLimiter(rate, period)
            if len(self._chats) > 50_000:  # forget the oldest chats; a fresh bucket is only more careful
                for old in list(self._chats)[:10_000]:
                    self._chats.pop(old, None)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Wait for the chat's and the overall bucket (sending methods only), then call; retry after a 429."""
        chat: int | str | None = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat = int(chat)  # type: ignore[arg-type]
        counted = endpoint in SENDING and chat is not None
        retries = rate_limit_args if rate_limit_args is not None else self.max_retries
        for attempt in range(retries + 1):
            if chat is not None and (wait := self._paused_until.get(chat, 0) - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            try:
                if counted:
                    async with self._chat_limiter(chat), self._overall:  # type: ignore[arg-type]
                        return await callback(*args, **kwargs)
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                metrics.RATE_LIMITED.labels("telegram").inc()
                pause = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
                if chat is not None:
                    self._paused_until[chat] = time.monotonic() + pause + 0.1
                log.warning("telegram 429 on %s for chat %s: pausing that chat %.1f s", endpoint, chat, pause)
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")
