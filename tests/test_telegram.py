"""The Telegram adapter end to end: the real python-telegram-bot application over real HTTP
against a fake Bot API server."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from sqlmodel import func, select

from bot.config import Settings
from bot.runtime import Runtime
from core.instrument import load_instrument
from core.languages import LANGUAGES
from storage.db import Database
from storage.models import Answer, Identity, Inbox
from storage.partnerships import add_organisation, create_invite, create_partnership
from storage.rounds import open_round
from tests.conftest import full_answers
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Sent
from tests.seeding import completed_person

PNG = b"\x89PNG\r\n\x1a\n"
GROUP = -100123


@pytest.fixture
async def fake():
    server = await FakeTelegram().start()
    yield server
    await server.stop()


async def seed(db_url: str, *, round_open: bool = True, completed: int = 0) -> None:
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3)
        residents = await add_organisation(s, p, "Innbyggere på Øst", "residents")
        await create_invite(s, p, organisation=residents, role="resident", code="BO-1")
        await create_invite(s, p, role="coordinator", code="KOORD-1")
        if round_open:
            round_ = await open_round(s, p, "samson", title="Vår 2027", audience="residents")
            for n in range(completed):
                await completed_person(s, round_, residents.id, f"Person {n}", seed=n)
        await s.commit()
    await db.close()


def settings(fake: FakeTelegram, db_url: str, **extra) -> Settings:
    return Settings(database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=fake.api_url,
                    samson_http_port=0, _env_file=None, **extra)


@pytest.fixture
async def bot(fake: FakeTelegram, db_url: str):
    runtime = Runtime(settings(fake, db_url))
    await seed(db_url)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def count(db_url: str, model, *where) -> int:
    db = Database(db_url)
    async with db.session() as s:
        n = (await s.exec(select(func.count()).select_from(model).where(*where))).one()
    await db.close()
    return n


async def tap_next(fake: FakeTelegram, user: dict, value: str, until: str | None = None) -> None:
    """Tap a button on the newest keyboard in the user's chat; wait for a new keyboard (or ``until``)."""
    message = await fake.wait_for(lambda: fake.last_keyboard(user["id"]))
    before = fake.keyboard_state(user["id"])
    fake.tap(user, message, value)
    if until:
        await fake.wait_for(lambda: any(until in s.text for s in fake.to(user["id"])))
    else:
        await fake.wait_for(lambda: fake.keyboard_state(user["id"]) != before)


async def join(fake: FakeTelegram, user: dict, code: str, lang: str, until: str | None = None) -> None:
    fake.say(user, f"/start {code}")
    await tap_next(fake, user, "consent_yes")
    await tap_next(fake, user, lang, until=until)


async def test_resident_joins_by_deep_link_in_swedish_and_completes_a_round(bot, fake, db_url) -> None:
    # The command menu is registered in every language.
    assert set(fake.commands) == {None, *LANGUAGES}  # every language, Arabic and Tigrinya too
    assert any("omgång" in c["description"] for c in fake.commands["sv"])
    sara = fake.user(1001, "Sara", language_code="sv")
    fake.say(sara, "/start BO-1")
    consent = await fake.wait_for(lambda: fake.last_keyboard(1001))
    texts = "\n".join(s.text for s in fake.to(1001))
    assert "Hej!" in texts and "Så hanterar vi dina uppgifter" in texts and "Godkänner du detta?" in consent.text
    await tap_next(fake, sara, "consent_yes")
    language = fake.last_keyboard(1001)
    assert [b["text"] for row in language.keyboard for b in row][0] == "Svenska"
    await tap_next(fake, sara, "sv")
    first = fake.last_keyboard(1001)
    assert "(1 av 54)" in first.text
    rows = [[b["callback_data"].rsplit("|", 1)[-1] for b in row] for row in first.keyboard]
    assert rows[0] == ["1", "2", "3", "4", "5"] and rows[1] == ["6", "7", "8", "9", "10"]
    answers = full_answers(1)
    for i, value in enumerate(answers):
        question = fake.last_keyboard(1001)
        assert f"({i + 1} av 54)" in question.text
        await tap_next(fake, sara, "na" if value == "?" else value, until="✅" if i == len(answers) - 1 else None)
        assert "✓" in question.text  # shows the answer given …
        if i < len(answers) - 1:  # … and became the next question: one message, edited in place
            assert fake.last_keyboard(1001).message_id == question.message_id
    assert await count(db_url, Answer) == len(load_instrument("samson").items)
    assert len(fake.to(1001)) <= 8, [s.text[:30] for s in fake.to(1001)]  # a handful of messages, not 110
    photo = next(s for s in fake.to(1001) if s.photo)  # the profile is one photo with its text alternative
    assert "Spindeldiagram" in photo.text and "publiceras när omgången avslutas" in photo.text
    assert not fake.errors  # nothing Telegram would reject (callback data ≤ 64 bytes, texts ≤ 4096)
    assert all(len(b["callback_data"].encode()) <= 64 for s in fake.sent for row in s.keyboard for b in row)


async def test_restart_mid_round_resumes_at_the_same_statement(fake, db_url) -> None:
    await seed(db_url)
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    ola = fake.user(1002, "Ola", language_code="nb")
    await join(fake, ola, "BO-1", "nb")
    for value in ("7", "8", "6", "9", "5"):
        await tap_next(fake, ola, value)
    question = fake.last_keyboard(1002)
    assert "(6 av 54)" in question.text
    await runtime.stop()

    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        await tap_next(fake, ola, "4")  # the button on the message from before the restart still works
        assert "(7 av 54)" in fake.last_keyboard(1002).text
        fake.say(ola, "/resume")
        await fake.wait_for(lambda: "Velkommen tilbake" in fake.to(1002)[-2].text)
        assert "(7 av 54)" in fake.last_keyboard(1002).text
        assert await count(db_url, Answer) == 6
    finally:
        await runtime.stop()


async def test_webhook_rejects_a_wrong_secret_and_accepts_the_right_one(fake, db_url) -> None:
    await seed(db_url)
    runtime = Runtime(settings(fake, db_url, telegram_webhook_url="https://bot.example.org/telegram/webhook",
                               telegram_webhook_secret="hook-secret-1"))
    await runtime.start()
    try:
        assert fake.webhook["url"] == "https://bot.example.org/telegram/webhook"
        assert fake.webhook["secret_token"] == "hook-secret-1"
        assert not fake.called("getUpdates")
        user = fake.user(1003, "Kari", "en")
        update = fake.message_update(user, "/start BO-1")
        url = f"http://127.0.0.1:{runtime.web.port}/telegram/webhook"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            await asyncio.sleep(0.2)
            assert await count(db_url, Identity) == 0 and not fake.to(1003)
            for _ in range(2):  # a re-delivery of the same update changes nothing
                async with http.post(url, json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret-1"}) as response:
                    assert response.status == 200
        await fake.wait_for(lambda: fake.last_keyboard(1003))
        await asyncio.sleep(0.3)
        assert await count(db_url, Inbox) == 1
        assert sum("Do you agree?" in s.text for s in fake.to(1003)) == 1
    finally:
        await runtime.stop()


async def test_duplicated_update_stores_one_answer_and_answers_the_tap_once(bot, fake, db_url) -> None:
    per = fake.user(1004, "Per", "en")
    await join(fake, per, "BO-1", "en")
    question = fake.last_keyboard(1004)
    update = fake.callback_update(per, question, question.data("7"))
    fake.push(dict(update))
    await fake.wait_for(lambda: "(2 of 54)" in (fake.last_keyboard(1004) or question).text)
    polls = len(fake.called("getUpdates"))
    fake.redeliver(dict(update))  # Telegram delivers the same update_id again
    await fake.wait_for(lambda: len(fake.called("getUpdates")) > polls + 1)  # it was taken, and confirmed
    assert await count(db_url, Answer) == 1
    assert sum("(2 of 54)" in s.text for s in fake.to(1004)) == 1
    assert fake.late_answers == 0  # the re-delivered tap is not answered a second time
    assert not [s for s in fake.to(1004) if "went wrong" in s.text]


async def test_stale_or_foreign_callback_gets_a_polite_answer(bot, fake, db_url) -> None:
    per = fake.user(1005, "Per", "en")
    await join(fake, per, "BO-1", "en")
    first = fake.last_keyboard(1005)
    stale = Sent(first.chat_id, first.message_id, first.text, [list(r) for r in first.keyboard])
    await tap_next(fake, per, "7")
    fake.tap(per, stale, "3")  # the old question again
    fake.push(fake.callback_update(per, stale, "q|999.0|5"))  # someone else's response
    # Every tap is answered at once (the button stops spinning); the notice follows as a message.
    await fake.wait_for(lambda: sum("earlier question" in s.text for s in fake.to(1005)) == 2)
    assert await count(db_url, Answer) == 1
    ids = [a["callback_query_id"] for a in fake.callback_answers]
    assert len(ids) == len(set(ids)) == 5  # consent, language, 7 and the two stale taps: each answered once


async def test_429_retry_after_is_honoured(bot, fake) -> None:
    fake.flood["sendMessage"] = 1
    user = fake.user(1006, "Eva", "en")
    started = time.monotonic()
    fake.say(user, "/help")
    await fake.wait_for(lambda: fake.to(1006))
    assert time.monotonic() - started >= 0.9
    assert len(fake.called("sendMessage")) == 2 and len(fake.to(1006)) == 1


async def test_blocked_user_does_not_break_a_broadcast(fake, db_url) -> None:
    await seed(db_url, round_open=False)
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        residents = [fake.user(2000 + n, f"R{n}", "en") for n in range(3)]
        for user in residents:
            await join(fake, user, "BO-1", "en", until="no open round")
        coordinator = fake.user(2100, "Koord", "en")
        fake.say(coordinator, "/start KOORD-1")
        await tap_next(fake, coordinator, "consent_yes")
        await tap_next(fake, coordinator, "en", until="no open round")
        fake.blocked.add(2001)
        mark = len(fake.calls)
        fake.say(coordinator, "/round open residents Høst 2027")
        for user in (residents[0], residents[2]):
            await fake.wait_for(lambda u=user: any("Høst 2027" in s.text for s in fake.to(u["id"])))
        to_blocked = lambda: [m for m, p in fake.calls[mark:] if m == "sendMessage" and p["chat_id"] == "2001"]  # noqa: E731
        await fake.wait_for(to_blocked)
        await asyncio.sleep(0.5)
        assert len(to_blocked()) == 1  # no retry loop
        db = Database(db_url)
        async with db.session() as s:
            blocked = (await s.exec(select(Identity).where(Identity.user_id == "2001"))).one()
        await db.close()
        assert blocked.unreachable
    finally:
        await runtime.stop()


async def test_group_chart_arrives_in_bound_group_and_invites_have_deep_links(fake, db_url) -> None:
    await seed(db_url, completed=3)
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        coordinator = fake.user(3000, "Koord", "en")
        fake.say(coordinator, "/start KOORD-1")
        await tap_next(fake, coordinator, "consent_yes")
        await tap_next(fake, coordinator, "en")
        group = fake.group(GROUP, "Innbyggere Øst")
        resident = fake.user(3001, "R", "en")
        fake.say(resident, "/bind residents", chat=group)  # not a coordinator: refused
        await fake.wait_for(lambda: any("Only coordinators" in s.text for s in fake.to(GROUP)))
        fake.say(coordinator, "/bind@samson_test_bot innbyggere", chat=group)  # in Norwegian too
        await fake.wait_for(lambda: any("koblet til" in s.text for s in fake.to(GROUP)))
        fake.say(coordinator, "/round close")
        photo = await fake.wait_for(lambda: next((s for s in fake.to(GROUP) if s.photo), None))
        assert photo.photo.startswith(PNG) and len(photo.photo) > 5000
        assert "SAMSON" in photo.text
        summary = await fake.wait_for(lambda: next((s for s in fake.to(GROUP) if s.reply_to == photo.message_id), None))
        assert "Gruppeprofil over 3" in summary.text

        fake.say(coordinator, "/invite resident")
        link = await fake.wait_for(lambda: next((s for s in fake.to(3000) if "t.me/" in s.text), None))
        assert "https://t.me/samson_test_bot?start=" in link.text
        qr = await fake.wait_for(lambda: next((s for s in fake.to(3000) if s.photo), None))
        assert qr.photo.startswith(PNG)

        fake.say(coordinator, "/export")  # a copy of their data: a file, with a summary as its caption
        copy = await fake.wait_for(lambda: next((s for s in fake.to(3000) if s.document), None))
        assert "Here is everything I store about you" in copy.text and "answers: 0 · ideas: 0" in copy.text
        assert json.loads(copy.document)["memberships"][0]["role"] == "coordinator"
    finally:
        await runtime.stop()


async def test_long_texts_are_split_under_4096_characters(bot, fake) -> None:
    from bot.events import Reply

    user = fake.user(1007, "Long", "en")
    text = "\n".join(f"Line {n}: " + "x" * 90 for n in range(100))  # about 10,000 characters
    await bot.telegram.sender.send(bot.telegram.workspace, "1007", [Reply(text=text)])
    parts = fake.to(user["id"])
    assert len(parts) == 3 and all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == text


async def test_a_slow_tap_is_acknowledged_before_its_work_is_done(bot, fake, db_url, monkeypatch) -> None:
    liv = fake.user(1011, "Liv", "en")
    await join(fake, liv, "BO-1", "en")
    question = fake.last_keyboard(1011)
    release = asyncio.Event()
    real = bot.core.handle

    async def slow(event, **kw):
        await release.wait()  # the work is stuck (a slow database, a long chart)
        return await real(event, **kw)

    monkeypatch.setattr(bot.core, "handle", slow)
    answered = len(fake.callback_answers)
    fake.tap(liv, question, "7")
    await fake.wait_for(lambda: len(fake.callback_answers) > answered)  # the button stops spinning …
    assert not any("(2 of 54)" in s.text for s in fake.to(1011))  # … before the work is done
    release.set()
    await fake.wait_for(lambda: any("(2 of 54)" in s.text for s in fake.to(1011)))
    assert len(fake.callback_answers) == answered + 1  # answered once


async def test_a_residents_add_is_refused_like_every_coordinator_command(bot, fake, db_url) -> None:
    ron = fake.user(1012, "Ron", "en")
    await join(fake, ron, "BO-1", "en")
    fake.say(ron, "/add <@U1> Innbyggere på Øst")
    await fake.wait_for(lambda: any("Only coordinators" in s.text for s in fake.to(1012)))


async def test_a_long_caption_is_split_at_a_line_with_the_rest_as_a_reply(bot, fake) -> None:
    from bot.events import Reply

    fake.user(1013, "Kai")
    text = "\n".join(f"Line {n}: " + "x" * 40 for n in range(40))  # about 2,000 characters
    await bot.telegram.sender.send("w", "1013", [Reply(text=text, image=PNG + b"0" * 100, image_name="c.png")])
    photo, follow = fake.to(1013)
    assert photo.photo and len(photo.text) <= 1024 and photo.text.startswith("Line 0:")
    assert follow.reply_to == photo.message_id and follow.text.endswith("Line 39: " + "x" * 40)
    assert photo.text + "\n" + follow.text == text


async def test_a_group_member_who_never_opened_the_bot_gets_a_public_pointer_not_silence(bot, fake) -> None:
    group = fake.group(-100777, "Nabolaget")
    eli = fake.user(1014, "Eli")
    fake.chats.pop(1014)  # Eli has never opened a private chat with the bot
    fake.say(eli, "/start BO-1", chat=group)
    note = await fake.wait_for(lambda: next((s for s in fake.to(-100777) if "private chat" in s.text), None))
    assert "https://t.me/" in note.text
    shown = "\n".join(s.text for s in fake.to(-100777))
    assert "Privacy" not in shown and not any(s.keyboard for s in fake.to(-100777))  # nothing personal in public
