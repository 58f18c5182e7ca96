"""A small base for the fake API servers: start on 127.0.0.1:0, record calls, wait for conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web


class FakeServer:
    """An aiohttp app on a free local port that records every API call."""

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=20 * 1024 * 1024)
        self.calls: list[tuple[str, dict]] = []
        self.base = ""
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> FakeServer:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{self.port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def called(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Poll until ``condition()`` is truthy; returns its value or fails the test."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}")
