"""The running bot: database, bot core, outbox delivery, platform adapters and the HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.delivery import Delivery
from bot.dispatch import BotCore
from bot.scheduler import Scheduler
from bot.web import WebServer, build_web_app

if TYPE_CHECKING:  # the adapters load their platform libraries only when configured
    from bot.adapters.slack import SlackAdapter
    from bot.adapters.telegram import TelegramAdapter
from storage.db import Database

log = logging.getLogger(__name__)


class Runtime:
    """Everything ``samson run`` starts when a platform token is set."""

    def __init__(self, settings: Settings, run_scheduler: bool = True) -> None:
        self.settings = settings
        self.run_scheduler = run_scheduler
        self.scheduler: Scheduler | None = None
        self.db = Database(settings.database_url)
        self.delivery = Delivery(self.db)
        self.core = BotCore(self.db, on_outbox=self.delivery.kick)
        self.slack: SlackAdapter | None = None
        self.telegram: TelegramAdapter | None = None
        self.web: WebServer | None = None
        self._socket_mode = None
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        """Migrate, connect the adapters, start serving."""
        s = self.settings
        await self.db.migrate()
        slack_http = None
        if s.slack_bot_token:
            from bot.adapters.slack import SlackAdapter

            if not s.slack_signing_secret and not s.slack_app_token:
                raise SystemExit("SLACK_SIGNING_SECRET is required for Slack in HTTP mode (or set SLACK_APP_TOKEN).")
            self.slack = SlackAdapter(self.core, s.slack_bot_token, s.slack_signing_secret or "", s.slack_api_url)
            self.delivery.add(self.slack.sender)
            if s.slack_app_token:
                self._socket_mode = self.slack.socket_mode(s.slack_app_token)
            else:
                slack_http = self.slack.handle_http
        telegram_hook = None
        if s.telegram_bot_token:
            from bot.adapters.telegram import TelegramAdapter

            self.telegram = TelegramAdapter(self.core, s)
            self.delivery.add(self.telegram.sender)
            await self.telegram.start()
            if s.telegram_webhook_url:
                telegram_hook = self.telegram.handle_webhook
        self.web = WebServer(build_web_app(slack_http, telegram_hook), s.samson_http_host, s.samson_http_port)
        await self.web.start()
        if self._socket_mode is not None:
            await self._socket_mode.connect_async()
        self._tasks.append(asyncio.create_task(self.delivery.run(), name="outbox"))
        if self.run_scheduler:
            self.scheduler = Scheduler(self.db, after_tick=self.delivery.kick)
            self.scheduler.start()
        log.warning("SAMSON bot running; HTTP on %s:%s", self.web.host, self.web.port)

    async def stop(self) -> None:
        """Stop everything in reverse order."""
        if self.scheduler is not None:
            self.scheduler.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._socket_mode is not None:
            await self._socket_mode.close_async()
        if self.telegram is not None:
            await self.telegram.stop()
        if self.web is not None:
            await self.web.stop()
        await self.db.close()

    async def serve_forever(self) -> None:
        """Run until SIGINT or SIGTERM."""
        await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await self.stop()
