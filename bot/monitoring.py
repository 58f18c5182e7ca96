"""/healthz and /metrics: what they answer, and a small server for runs that take no platform HTTP.

A run that polls Telegram, uses Slack's Socket Mode, or only sends (``--role worker``) or
schedules needs no web framework: the standard library's threaded WSGI server (the same
one ``prometheus_client.start_http_server`` uses) answers the two monitoring paths, and
the checks run on the bot's event loop. Runs that receive Slack events or the Telegram
webhook serve the same paths from their aiohttp app (``bot/web.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.exposition import ThreadingWSGIServer

from bot.metrics import REGISTRY

log = logging.getLogger(__name__)
Check = Callable[[], Awaitable[None]]
HEALTH_TIMEOUT = 3.0
T = TypeVar("T")


async def health_report(health: Check | None) -> tuple[int, dict]:
    """The HTTP status and body of ``/healthz``: 503 when ``health`` fails (the database is unreachable)."""
    if health is not None:
        try:
            await asyncio.wait_for(health(), HEALTH_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            log.warning("health check failed: %s", exc)
            return 503, {"ok": False, "database": f"unreachable: {type(exc).__name__}"}
    return 200, {"ok": True, "database": "ok" if health else "not checked"}


async def metrics_text(refresh: Check | None) -> bytes:
    """The body of ``/metrics``, with gauges refreshed first (stale gauges are better than none)."""
    if refresh is not None:
        try:
            await refresh()
        except Exception as exc:  # noqa: BLE001 - serve what there is
            log.warning("refreshing metrics failed: %s", exc)
    return generate_latest(REGISTRY)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """No access log (as with the aiohttp server)."""


class MonitoringServer:
    """Serves ``/healthz`` and ``/metrics`` from a thread; the checks run on the event loop that started it."""

    def __init__(self, host: str, port: int, *, health: Check | None = None, refresh: Check | None = None) -> None:
        self.host, self.port = host, port
        self._health, self._refresh = health, refresh
        self._server: WSGIServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        """Start listening (port 0 picks a free port; see ``port``)."""
        self._loop = asyncio.get_running_loop()
        self._server = make_server(self.host, self.port, self._app, ThreadingWSGIServer, handler_class=_Quiet)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, name="monitoring", daemon=True).start()

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await asyncio.to_thread(self._server.shutdown)
            self._server.server_close()
            self._server = None

    def _on_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(HEALTH_TIMEOUT + 2)

    def _app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD") or path not in ("/healthz", "/metrics"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        try:
            if path == "/healthz":
                status, body = self._on_loop(health_report(self._health))
                start_response(f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                               [("Content-Type", "application/json")])
                return [json.dumps(body).encode()]
            text = self._on_loop(metrics_text(self._refresh))
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [text]
        except Exception as exc:  # noqa: BLE001 - the loop is stuck or stopping: unhealthy
            log.warning("monitoring request failed: %s", exc)
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps({"ok": False, "error": type(exc).__name__}).encode()]
