"""Operations: roles, /healthz, /metrics, pacing, SIGTERM and one-line infrastructure errors."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from telegram.error import RetryAfter
from typer.testing import CliRunner

from bot.adapters.telegram_pacing import PacedRateLimiter
from bot.cli import app
from bot.config import Settings
from bot.monitoring import MonitoringServer
from bot.runtime import Role, Runtime
from bot.web import WebServer, build_web_app
from storage import outbox
from storage.db import Database, async_url
from tests.fakes.telegram_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def fake():
    server = await FakeTelegram().start()
    yield server
    await server.stop()


def settings(fake: FakeTelegram, db_url: str) -> Settings:
    return Settings(database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=fake.api_url,
                    samson_http_port=0, _env_file=None)


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def test_healthz_checks_the_database_and_metrics_are_served(fake, db_url) -> None:
    runtime = Runtime(settings(fake, db_url), run_scheduler=False)
    await runtime.start()
    try:
        user = fake.user(2001, "Mo", "en")
        fake.say(user, "/help")
        await fake.wait_for(lambda: fake.to(2001))
        status, body = await get(runtime.web.port, "/healthz")
        assert status == 200 and '"database": "ok"' in body
        status, body = await get(runtime.web.port, "/metrics")
        assert status == 200
        assert 'samson_updates_total{outcome="applied",platform="telegram"}' in body
        assert "samson_outbox_lag_seconds" in body and "samson_rate_limited_total" in body
        assert "samson_inbox_lag_seconds" in body and "samson_inbox_pending 0.0" in body
    finally:
        await runtime.stop()
    broken = Database("postgresql://nobody@127.0.0.1:1/samson")  # nothing listens there
    # the aiohttp app (Slack events, the Telegram webhook) and the small server of polling runs answer alike
    for server in (WebServer(build_web_app(health=broken.ping), "127.0.0.1", 0),
                   MonitoringServer("127.0.0.1", 0, health=broken.ping)):
        await server.start()
        try:
            status, body = await get(server.port, "/healthz")
            assert status == 503 and '"ok": false' in body
            status, _ = await get(server.port, "/nothing")
            assert status == 404
        finally:
            await server.stop()
    await broken.close()


async def test_a_worker_sends_but_takes_no_updates(fake, db_url) -> None:
    fake.user(3001, "Ola")
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        await outbox.enqueue(s, "hello:1", platform="telegram", workspace="w", channel="3001", kind="text",
                             params={"text": "Hello from the outbox"})
        await s.commit()
    await db.close()
    worker = Runtime(settings(fake, db_url), role=Role.WORKER)
    await worker.start()
    try:
        sent = await fake.wait_for(lambda: next((m for m in fake.to(3001)), None))
        assert sent.text == "Hello from the outbox"
        assert worker.scheduler is None and "getUpdates" not in [c for c, _ in fake.calls]
    finally:
        await worker.stop()


async def test_pacing_bursts_three_then_one_per_interval_per_chat_and_429_pauses_only_its_chat() -> None:
    limiter = PacedRateLimiter(overall_per_second=1000, private_per_second=20, private_burst=3)
    sent: list[tuple[int, float]] = []
    failed_once: set[int] = set()

    async def call(chat: int) -> bool:
        if chat == 1 and chat not in failed_once:
            failed_once.add(chat)
            raise RetryAfter(1)
        sent.append((chat, time.monotonic()))
        return True

    start = time.monotonic()
    await asyncio.gather(
        *(limiter.process_request(call, (2,), {}, "sendMessage", {"chat_id": 2}, None) for _ in range(6)),
        limiter.process_request(call, (1,), {}, "sendMessage", {"chat_id": 1}, None),
        *(limiter.process_request(call, (3,), {}, "editMessageText", {"chat_id": 3}, None) for _ in range(10)),
    )
    two = [t - start for chat, t in sent if chat == 2]
    assert len(two) == 6 and two[2] < 0.05 and two[5] >= 0.14  # a burst of 3, then paced
    assert all(t - start < 0.05 for chat, t in sent if chat == 3)  # edits are not counted
    one = [t - start for chat, t in sent if chat == 1]
    assert one and one[0] >= 1.0 and max(two) < 1.0  # the 429 paused chat 1 only


def test_sslmode_in_a_postgres_url_is_understood() -> None:
    assert async_url("postgresql://u@db.example.org/samson?sslmode=require").endswith("samson?ssl=require")


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/samson")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert "Error: cannot reach the database at postgresql://nobody:***@127.0.0.1:1/samson" in result.output
    assert "Traceback" not in result.output and "secret" not in result.output
    monkeypatch.setenv("DATABASE_URL", "mysql://x@y/z")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1 and "DATABASE_URL is not usable" in result.output


def test_sigterm_stops_cleanly(fake_loop_free_port: int, tmp_path: Path) -> None:
    """``samson run`` on a fake Telegram: SIGTERM finishes in-flight work and exits 0."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}", "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": f"http://127.0.0.1:{fake_loop_free_port}/bot", "SAMSON_HTTP_PORT": "0"}
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "running as all" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "running as all" in log.read_text(), log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()
        assert "stopping: finishing work in flight" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture
def fake_loop_free_port():
    """A fake Telegram in its own thread and loop, for a bot in another process."""
    import threading

    ready = threading.Event()
    state: dict = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        state["loop"] = loop
        state["server"] = loop.run_until_complete(FakeTelegram().start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    server = state["server"]
    yield int(server.api_url.split(":")[2].split("/")[0])
    asyncio.run_coroutine_threadsafe(server.stop(), state["loop"]).result(10)
    state["loop"].call_soon_threadsafe(state["loop"].stop)
