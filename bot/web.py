"""The bot's HTTP server when it takes platform HTTP: Slack at /slack/events, the Telegram webhook at
/telegram/webhook, and /healthz and /metrics as ``bot/monitoring.py`` answers them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.monitoring import Check, health_report, metrics_text

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_web_app(slack: Handler | None = None, telegram: Handler | None = None, *,
                  health: Check | None = None, refresh: Check | None = None) -> web.Application:
    """The aiohttp application with the routes of the enabled adapters.

    ``health`` raises when the bot cannot work (the database is unreachable);
    ``refresh`` updates gauges before ``/metrics`` is read.
    """

    async def healthz(request: web.Request) -> web.Response:
        status, body = await health_report(health)
        return web.json_response(body, status=status)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=await metrics_text(refresh), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if slack is not None:
        app.router.add_post("/slack/events", slack)
    if telegram is not None:
        app.router.add_post("/telegram/webhook", telegram)
    return app


class WebServer:
    """Runs a web application on host:port (port 0 picks a free one; see ``port``)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        self.host, self.port = host, port

    async def start(self) -> None:
        """Start listening."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # the bound socket tells which port 0 became
        if server is not None and server.sockets:  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Stop listening and finish open requests."""
        await self._runner.cleanup()
