"""Durable in, durable out: no tap and no reply is lost to a crash or a failed send.

Each test runs the real Telegram adapter against the fake Bot API and simulates a
process dying at one point: after storing an update but before applying it, or
after applying it but before sending the reply. A second process (or the same
one, later) must finish the job without the person typing anything.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from bot import dispatch
from bot.runtime import Runtime
from storage.models import Answer, Inbox, Outbox
from tests.fakes.telegram_api import FakeTelegram
from tests.test_telegram import count, join, seed, settings, tap_next


@pytest.fixture
async def fake():
    server = await FakeTelegram().start()
    yield server
    await server.stop()


async def test_a_crash_after_saving_an_answer_still_brings_the_next_question(fake, db_url, monkeypatch) -> None:
    await seed(db_url)
    lease = {"samson_claim_lease_seconds": 1}  # a message a dead worker was sending is taken over after 1 s
    first = Runtime(settings(fake, db_url, **lease))
    await first.start()
    ola = fake.user(1101, "Ola", "nb")
    await join(fake, ola, "BO-1", "nb")
    await tap_next(fake, ola, "7")
    question = fake.last_keyboard(1101)
    assert "(2 av 54)" in question.text
    real = first.core.handle

    async def dies_after_commit(event, **kw):
        await real(event, **kw)  # the answer is saved and the reply is in the outbox …
        raise asyncio.CancelledError  # … then the process is gone before anything is sent

    monkeypatch.setattr(first.core, "handle", dies_after_commit)
    fake.tap(ola, question, "8")
    await until(lambda: count(db_url, Answer), 2)
    await first.stop()
    assert not any("(3 av 54)" in s.text for s in fake.to(1101))

    second = Runtime(settings(fake, db_url, **lease))
    await second.start()
    try:  # nobody types /resume: the next question arrives by itself, once
        await fake.wait_for(lambda: any("(3 av 54)" in s.text for s in fake.to(1101)))
        await tap_next(fake, ola, "6")
        assert "(4 av 54)" in fake.last_keyboard(1101).text
        assert sum("(3 av 54)" in s.text or "(4 av 54)" in s.text for s in fake.to(1101)) == 1
        assert await count(db_url, Answer) == 3
    finally:
        await second.stop()


async def test_a_question_sent_just_before_a_crash_is_not_shown_twice(fake, db_url, monkeypatch) -> None:
    await seed(db_url)
    lease = {"samson_claim_lease_seconds": 1}
    first = Runtime(settings(fake, db_url, **lease))
    await first.start()
    ola = fake.user(1104, "Ola", "nb")
    await join(fake, ola, "BO-1", "nb")
    await tap_next(fake, ola, "7")
    await until(lambda: count(db_url, Outbox, Outbox.sent_at.is_(None)), 0)  # type: ignore[union-attr]

    async def dies_before_recording(event, **kw):
        raise asyncio.CancelledError  # the next question went out; the process is gone before that is recorded

    monkeypatch.setattr(first.core, "delivered", dies_before_recording)
    await tap_next(fake, ola, "8")
    await first.stop()
    assert await count(db_url, Outbox, Outbox.sent_at.is_(None)) == 1  # type: ignore[union-attr]
    shown = [(s.message_id, s.text) for s in fake.to(1104)]

    second = Runtime(settings(fake, db_url, **lease))
    await second.start()
    try:  # the reply is sent again once its claim lapses: it edits the question's message, which says it already
        await until(lambda: count(db_url, Outbox, Outbox.sent_at.is_(None)), 0)  # type: ignore[union-attr]
        assert [(s.message_id, s.text) for s in fake.to(1104)] == shown
        assert sum("(3 av 54)" in s.text for s in fake.to(1104)) == 1
        await tap_next(fake, ola, "6")
        assert "(4 av 54)" in fake.last_keyboard(1104).text
    finally:
        await second.stop()


async def until(measure, value, timeout: float = 15.0) -> None:
    """Wait until ``await measure()`` reaches ``value``."""
    async with asyncio.timeout(timeout):
        while await measure() != value:
            await asyncio.sleep(0.02)


async def test_a_crash_after_storing_a_tap_applies_it_later(fake, db_url, monkeypatch) -> None:
    await seed(db_url)
    first = Runtime(settings(fake, db_url))
    await first.start()
    kari = fake.user(1102, "Kari", "en")
    await join(fake, kari, "BO-1", "en")
    question = fake.last_keyboard(1102)
    monkeypatch.setattr(first.telegram, "_process", lambda update: None)  # dies right after storing
    polls = len(fake.called("getUpdates"))
    fake.tap(kari, question, "9")
    await fake.wait_for(lambda: len(fake.called("getUpdates")) > polls + 1)  # stored, so confirmed to Telegram
    await first.stop()
    assert await count(db_url, Answer) == 0
    assert await count(db_url, Inbox, Inbox.processed_at.is_(None)) == 1  # type: ignore[union-attr]

    second = Runtime(settings(fake, db_url, samson_recovery_grace_seconds=0))
    await second.start()
    try:  # the tap is not lost: the next process applies it and the next question comes
        await fake.wait_for(lambda: any("(2 of 54)" in s.text for s in fake.to(1102)))
        assert await count(db_url, Answer) == 1
        assert await count(db_url, Inbox, Inbox.processed_at.is_(None)) == 0  # type: ignore[union-attr]
    finally:
        await second.stop()


async def test_polling_confirms_nothing_it_could_not_store(fake, db_url, monkeypatch) -> None:
    await seed(db_url)
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        real = runtime.core.accept_many
        failures = 2

        async def database_away(events):
            nonlocal failures
            if failures:
                failures -= 1
                raise ConnectionError("database unreachable")
            return await real(events)

        monkeypatch.setattr(runtime.core, "accept_many", database_away)
        eva = fake.user(1103, "Eva", "en")
        update = fake.say(eva, "/start BO-1")
        await fake.wait_for(lambda: fake.last_keyboard(1103))  # taken again until it could be stored
        assert fake.confirmed > update["update_id"]
        assert sum("Do you agree?" in s.text for s in fake.to(1103)) == 1
    finally:
        await runtime.stop()


async def test_a_webhook_answers_200_only_once_the_update_is_stored(fake, db_url, monkeypatch) -> None:
    await seed(db_url)
    runtime = Runtime(settings(fake, db_url, telegram_webhook_url="https://bot.example.org/telegram/webhook",
                               telegram_webhook_secret="hook-secret-2"))
    await runtime.start()
    try:
        real = runtime.core.accept_many

        async def database_away(events):
            raise ConnectionError("database unreachable")

        user = fake.user(1104, "Per", "en")
        update = fake.message_update(user, "/start BO-1")
        url = f"http://127.0.0.1:{runtime.web.port}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret-2"}
        async with aiohttp.ClientSession() as http:
            monkeypatch.setattr(runtime.core, "accept_many", database_away)
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 503  # Telegram will deliver it again
            monkeypatch.setattr(runtime.core, "accept_many", real)
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200
        await fake.wait_for(lambda: fake.last_keyboard(1104))
        assert sum("Do you agree?" in s.text for s in fake.to(1104)) == 1
    finally:
        await runtime.stop()


async def test_a_reply_that_fails_for_now_is_sent_later_not_dropped(fake, db_url, monkeypatch) -> None:
    monkeypatch.setattr(dispatch, "RETRY_REPLY", timedelta(0))
    await seed(db_url)
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        liv = fake.user(1105, "Liv", "en")
        await join(fake, liv, "BO-1", "en")
        fake.flood["sendMessage"] = 4  # more 429s than the rate limiter retries
        fake.say(liv, "/help")
        await fake.wait_for(lambda: any("/privacy" in s.text for s in fake.to(1105)))
        assert sum("/privacy" in s.text for s in fake.to(1105)) == 1
    finally:
        await runtime.stop()
