"""The running bot: database, bot core, outbox delivery, platform adapters and the HTTP server.

Roles (``samson run --role``): ``web`` takes platform updates (HTTP, Socket Mode,
polling) and sends; ``worker`` only sends what the outbox holds; ``scheduler``
only decides what is due; ``all`` (the default) is one process doing everything.
Several ``web`` workers share one PostgreSQL database (Telegram in webhook mode);
scheduler ticks take an advisory lock, so a second scheduler only waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.delivery import Delivery
from bot.dispatch import BotCore
from bot.monitoring import MonitoringServer
from bot.scheduler import Scheduler
from storage.db import Database

if TYPE_CHECKING:  # the adapters load their platform libraries only when configured
    from bot.adapters.slack import SlackAdapter
    from bot.adapters.telegram import TelegramAdapter
    from bot.web import WebServer

log = logging.getLogger(__name__)
DRAIN_SECONDS = 20.0
"""How long a stopping process waits for in-flight sends before it gives up on them (their claims lapse)."""
RECOVERY_INTERVAL = 10.0
"""How often a process taking updates looks for updates a crashed worker stored but never applied."""


class Role(StrEnum):
    """What one ``samson run`` process does."""

    ALL = "all"
    WEB = "web"
    WORKER = "worker"
    SCHEDULER = "scheduler"


class Runtime:
    """Everything ``samson run`` starts when a platform token is set."""

    def __init__(self, settings: Settings, run_scheduler: bool = True, role: Role = Role.ALL) -> None:
        self.settings = settings
        self.role = role
        self.inbound = role in (Role.ALL, Role.WEB)
        self.sending = role in (Role.ALL, Role.WEB, Role.WORKER)
        self.run_scheduler = run_scheduler and role in (Role.ALL, Role.SCHEDULER)
        self.scheduler: Scheduler | None = None
        self.db = Database(settings.database_url)
        self.delivery = Delivery(self.db, lease=timedelta(seconds=settings.samson_claim_lease_seconds))
        self.core = BotCore(self.db, on_outbox=self.delivery.kick,
                            recovery_grace=timedelta(seconds=settings.samson_recovery_grace_seconds))
        self.delivery.turn = self.core.resend_turn
        self.slack: SlackAdapter | None = None
        self.telegram: TelegramAdapter | None = None
        self.web: WebServer | MonitoringServer | None = None
        self._socket_mode = None
        self._delivery_task: asyncio.Task | None = None
        self._recovery_task: asyncio.Task | None = None

    async def start(self) -> None:
        """Migrate, connect the adapters this role needs, start serving."""
        s = self.settings
        await self.db.migrate()
        slack_http = telegram_hook = None
        if s.slack_bot_token and self.sending:
            from bot.adapters.slack import SlackAdapter

            if self.inbound and not s.slack_signing_secret and not s.slack_app_token:
                raise SystemExit("SLACK_SIGNING_SECRET is required for Slack in HTTP mode (or set SLACK_APP_TOKEN).")
            self.slack = SlackAdapter(self.core, s.slack_bot_token, s.slack_signing_secret or "", s.slack_api_url)
            self.delivery.add(self.slack.sender)
            if self.inbound and s.slack_app_token:
                self._socket_mode = self.slack.socket_mode(s.slack_app_token)
            elif self.inbound:
                slack_http = self.slack.handle_http
        if s.telegram_bot_token and self.sending:
            from bot.adapters.telegram import TelegramAdapter

            self.telegram = TelegramAdapter(self.core, s)
            self.delivery.add(self.telegram.sender)
            await self.telegram.start(inbound=self.inbound)
            if self.inbound and s.telegram_webhook_url:
                telegram_hook = self.telegram.handle_webhook
        if slack_http or telegram_hook:
            from bot.web import WebServer, build_web_app

            app = build_web_app(slack_http, telegram_hook, health=self.db.ping, refresh=self._observe)
            self.web = WebServer(app, s.samson_http_host, s.samson_http_port)
        else:  # polling, Socket Mode, a worker or the scheduler: only /healthz and /metrics, without aiohttp
            self.web = MonitoringServer(s.samson_http_host, s.samson_http_port, health=self.db.ping, refresh=self._observe)
        await self.web.start()
        if self._socket_mode is not None:
            await self._socket_mode.connect_async()
        if self.sending:
            self._delivery_task = asyncio.create_task(self.delivery.run(), name="outbox")
        if self.inbound:
            self._recovery_task = asyncio.create_task(self._recover_forever(), name="inbox-recovery")
        if self.run_scheduler:
            self.scheduler = Scheduler(self.db, after_tick=self.delivery.kick)
            self.scheduler.start()
        log.warning("SAMSON bot running as %s; HTTP on %s:%s", self.role.value, self.web.host, self.web.port)

    async def _observe(self) -> None:
        await self.delivery.observe()
        await self.core.observe()

    async def _recover_forever(self) -> None:
        while True:
            try:
                await self.core.recover()
            except Exception:
                log.exception("recovering left-behind updates failed")
            await asyncio.sleep(RECOVERY_INTERVAL)

    async def stop(self) -> None:
        """Stop taking work, finish what is in flight, then close (SIGTERM)."""
        if self._recovery_task is not None:
            self._recovery_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery_task
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self._socket_mode is not None:
            await _close_socket_mode(self._socket_mode)
        if self.web is not None:
            await self.web.stop()  # waits for open requests
        if self.telegram is not None:
            await self.telegram.stop()  # stops polling; updates in flight are finished
        if self._delivery_task is not None:
            self.delivery.stop()
            try:
                await asyncio.wait_for(self._delivery_task, DRAIN_SECONDS)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("outbox sends still in flight after %.0f s; they are retried after their lease", DRAIN_SECONDS)
        await self.db.close()

    async def serve_forever(self) -> None:
        """Run until SIGINT or SIGTERM."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
            await stop.wait()
            log.warning("stopping: finishing work in flight")
        finally:
            await self.stop()


async def _close_socket_mode(handler: object) -> None:
    """Close Socket Mode; the SDK's own tasks are cancelled and settled first, or one of them may go on
    reconnecting against the closed session forever (python-slack-sdk issue 1913)."""
    client = getattr(handler, "client", None)
    tasks = [task for name in ("current_session_monitor", "message_processor", "message_receiver")
             if isinstance(task := getattr(client, name, None), asyncio.Future) and not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=3)
    try:
        await asyncio.wait_for(handler.close_async(), timeout=5)  # type: ignore[attr-defined]
    except TimeoutError:
        log.warning("closing Socket Mode took too long; going on")
