"""The fake Bot API with Telegram's rate limits enforced: a 429 for every message over them.

- overall: at most 30 sent messages in any one-second window;
- a private chat: a burst of 3, then 1 message/s;
- a group: at most 20 messages in any minute.

Only message-sending methods count (edits and callback answers do not).
"""

from __future__ import annotations

import math
import time
from collections import deque

from tests.fakes.telegram_api import FakeTelegram

SENDING = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage", "forwardMessage"}


class StrictTelegram(FakeTelegram):
    """``FakeTelegram`` that answers 429 above Telegram's limits, and counts every sent message."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_times: deque[float] = deque()
        self.all_sent: list[float] = []
        self._buckets: dict[int, tuple[float, float]] = {}
        self._groups: dict[int, deque[float]] = {}

    def limit(self, method: str, params: dict) -> int | None:
        if method not in SENDING or "chat_id" not in params:
            return None
        now = time.monotonic()
        chat = int(params["chat_id"])
        while self.sent_times and self.sent_times[0] <= now - 1.0:
            self.sent_times.popleft()
        if len(self.sent_times) >= 30:
            return 1
        if chat > 0:
            tokens, at = self._buckets.get(chat, (3.0, now))
            tokens = min(3.0, tokens + (now - at))
            if tokens < 1.0:
                return max(1, math.ceil(1.0 - tokens))
            self._buckets[chat] = (tokens - 1.0, now)
        else:
            window = self._groups.setdefault(chat, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= 20:
                return max(1, math.ceil(window[0] + 60.0 - now))
            window.append(now)
        self.sent_times.append(now)
        self.all_sent.append(now)
        return None
