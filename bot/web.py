"""The bot's one HTTP server: Slack at /slack/events, the Telegram webhook at /telegram/webhook, /healthz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build_web_app(slack: Handler | None = None, telegram: Handler | None = None) -> web.Application:
    """The aiohttp application with the routes of the enabled adapters."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_get("/healthz", _healthz)
    if slack is not None:
        app.router.add_post("/slack/events", slack)
    if telegram is not None:
        app.router.add_post("/telegram/webhook", telegram)
    return app


class WebServer:
    """Runs a web application on host:port (port 0 picks a free one; see ``port``)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
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
