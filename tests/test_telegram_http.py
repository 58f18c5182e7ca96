"""PTB's Bot over our aiohttp transport: what reaches Telegram, and what PTB makes of the answers."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.adapters.telegram_http import AiohttpRequest
from tests.fakes.server import FakeServer
from tests.fakes.telegram_api import TOKEN, FakeTelegram

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


async def _bot(api_url: str, **timeouts: float) -> Bot:
    bot = Bot(TOKEN, base_url=api_url, request=AiohttpRequest(**timeouts))
    await bot.initialize()
    return bot


async def test_messages_keyboards_and_photos_reach_telegram_as_sent() -> None:
    fake = await FakeTelegram().start()
    fake.user(1001, "Ada")
    bot = await _bot(fake.api_url)
    try:
        assert bot.username == "samson_test_bot"  # getMe at initialize
        message = await bot.send_message(1001, "Sæt 1 av 54: «Vi deler ansvaret» 🤝",
                                         reply_markup={"inline_keyboard": [[{"text": "5", "callback_data": "a|1|5"}]]})
        photo = await bot.send_photo(1001, PNG, caption="Spindeldiagram", filename="profile.png")
    finally:
        await bot.shutdown()
        await fake.stop()
    first, second = fake.to(1001)
    assert first.text == "Sæt 1 av 54: «Vi deler ansvaret» 🤝" and first.data("5") == "a|1|5"
    assert first.message_id == message.message_id
    assert second.photo == PNG and second.text == "Spindeldiagram" and second.message_id == photo.message_id


async def test_telegram_errors_become_ptb_errors() -> None:
    fake = await FakeTelegram().start()
    fake.user(1001)
    fake.flood["sendMessage"] = 1
    fake.retry_after = 7
    bot = await _bot(fake.api_url)
    try:
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(1001, "hello")
        assert flood.value.retry_after in (7, 7.0) or flood.value.retry_after.total_seconds() == 7
        assert (await bot.send_message(1001, "hello again")).text == "hello again"
    finally:
        await bot.shutdown()
        await fake.stop()


async def test_a_slow_answer_is_a_timeout_not_a_hang() -> None:
    slow = FakeServer()

    async def hold(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    slow.app.router.add_route("*", "/bot{token}/{method}", hold)
    await slow.start()
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{slow.base}/bot{TOKEN}/sendMessage")
    finally:
        await request.shutdown()
        await slow.stop()


async def test_an_unreachable_api_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as error:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        assert not isinstance(error.value, TimedOut)
    finally:
        await request.shutdown()


async def test_an_environment_proxy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """As httpx did: ``HTTP_PROXY`` carries the requests unless ``NO_PROXY`` names the host."""
    proxy = FakeServer()
    seen: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    proxy.app.router.add_route("*", "/{tail:.*}", forward)
    await proxy.start()
    monkeypatch.setenv("HTTP_PROXY", proxy.base)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    request = AiohttpRequest()
    await request.initialize()
    try:
        assert await request.post(f"http://api.telegram.invalid/bot{TOKEN}/deleteWebhook") is True
    finally:
        await request.shutdown()
        await proxy.stop()
    assert seen == [f"http://api.telegram.invalid/bot{TOKEN}/deleteWebhook"]
