"""The Slack adapter end to end: the real Bolt app over real HTTP against a fake Slack Web API."""

from __future__ import annotations

import asyncio
import copy
import json
import time

import pytest
from sqlmodel import func, select

from bot.config import Settings
from bot.runtime import Runtime
from core.instrument import load_instrument
from storage.db import Database
from storage.models import Answer, ChannelBinding, Identity, Inbox, Outbox
from storage.partnerships import add_organisation, create_invite, create_partnership
from tests.conftest import full_answers
from tests.fakes.slack_api import FakeSlack, Message
from tests.fakes.slack_driver import SlackDriver

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def fake():
    server = await FakeSlack().start()
    yield server
    await server.stop()


async def _seed(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3)
        kommune = await add_organisation(s, p, "Øst kommune", "municipality")
        await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise")
        # a coordinator from the municipality: they answer rounds for it (one with no organisation answers none)
        await create_invite(s, p, organisation=kommune, role="coordinator", code="KOORD-1")
        await s.commit()
    await db.close()


@pytest.fixture
async def bot(fake: FakeSlack, db_url: str):
    await _seed(db_url)
    runtime = Runtime(Settings(
        database_url=db_url, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
        slack_api_url=fake.api_url, samson_http_port=0, _env_file=None,
    ))
    await runtime.start()
    runtime.slack.sender.pace(per_second=200, burst=200)  # the tests click faster than people do
    driver = SlackDriver(f"http://127.0.0.1:{runtime.web.port}/slack/events", SECRET, fake)
    yield runtime, driver
    await driver.close()
    await runtime.stop()


def latest(fake: FakeSlack, channel: str) -> Message | None:
    return fake.last_with_buttons(channel)


async def click_next(fake: FakeSlack, driver: SlackDriver, user: str, value: str, until: str | None = None) -> None:
    """Click ``value`` on the newest message with buttons in the user's DM; wait for new buttons (or ``until``)."""
    channel = "D" + user
    message = await fake.wait_for(lambda: latest(fake, channel))

    def shown() -> tuple:  # the newest question; answering edits it in place into the next one
        newest = latest(fake, channel)
        return (newest.ts, json.dumps(newest.blocks)) if newest else ()

    before = shown()
    status, _, _ = await driver.click(user, copy.deepcopy(message), value)
    assert status == 200
    if until:
        await fake.wait_for(lambda: any(until in m.text for m in fake.in_channel(channel)))
    else:
        await fake.wait_for(lambda: shown() != before)


async def onboard_coordinator(fake: FakeSlack, driver: SlackDriver) -> None:
    await driver.command("U1", "DU1", "start KOORD-1")
    await click_next(fake, driver, "U1", "consent_yes")
    await click_next(fake, driver, "U1", "en", until="no open round")


async def count(db_url: str, model, *where) -> int:
    db = Database(db_url)
    async with db.session() as s:
        n = (await s.exec(select(func.count()).select_from(model).where(*where))).one()
    await db.close()
    return n


async def unsent(db_url: str, expected: int) -> None:
    """Wait until this many outbox rows are unsent (replies are recorded as sent just after they go out)."""
    async with asyncio.timeout(15):
        while await count(db_url, Outbox, Outbox.sent_at.is_(None)) != expected:  # type: ignore[union-attr]
            await asyncio.sleep(0.05)


async def test_full_round_in_dm_and_group_chart_in_bound_channel(bot, fake: FakeSlack, db_url: str) -> None:
    runtime, driver = bot
    fake.locales["U3"] = "nb-NO"
    fake.share_lag = 2  # files.info shows an upload's share only a moment later, as on Slack
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "bind partners")
    # The channel speaks the partnership's language (nb), not that of the coordinator who bound it (en).
    await fake.wait_for(lambda: any("koblet til" in m.text for m in fake.in_channel("C1")))
    await driver.command("U1", "C1", "add <@U2|ada> <@U3|bo> <@U4|cy> Øst kommune")
    await fake.wait_for(lambda: any("3 people added" in m.text for m in fake.ephemeral))
    await driver.command("U1", "C1", "round open Vår 2027")
    # Every partner gets the round in a DM, through the outbox.
    for user in ("U2", "U3", "U4"):
        await fake.wait_for(lambda u=user: latest(fake, "D" + u))
    assert any("Vår 2027" in m.text for m in fake.in_channel("DU3"))
    assert "Ny runde" not in fake.in_channel("DU2")[0].text  # English for the en-US user …
    assert "runde" in fake.in_channel("DU3")[0].text  # … and Norwegian for the nb-NO one

    items = load_instrument("samson").items
    for n, user in enumerate(("U2", "U3", "U4")):
        await click_next(fake, driver, user, f"/resume {1}")
        await click_next(fake, driver, user, "consent_yes")
        await click_next(fake, driver, user, "en" if user != "U3" else "nb")
        answers = full_answers(n)
        for i, value in enumerate(answers):
            question = latest(fake, "D" + user)
            assert question is not None and f"({i + 1} " in question.text
            done = "✅" if i == len(answers) - 1 else None
            await click_next(fake, driver, user, "na" if value == "?" else value, until=done)
            # The clicked message shows the answer given, and became the next question (one message per round).
            answered = next(m for m in fake.messages if m.ts == question.ts)
            assert "✓" in json.dumps(answered.blocks, ensure_ascii=False)
            assert bool(answered.buttons()) == (i < len(answers) - 1)
    assert await count(db_url, Answer) == 3 * len(items)
    assert "published when the round closes" in fake.in_channel("DU4")[-1].text
    assert not any(m.files for m in fake.in_channel("C1"))  # no live figures while the round is open

    # Closing the round publishes it: the chart goes into the bound channel as an uploaded PNG,
    # with the summary in its thread.
    await driver.command("U1", "C1", "round close")
    chart = await fake.wait_for(lambda: next((m for m in fake.in_channel("C1") if m.files), None))
    upload = fake.uploads[chart.files[0]]
    assert upload.startswith(PNG) and len(upload) > 5000
    assert [c for c, _ in fake.calls if c.startswith("files.")][:2] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]
    assert fake.files[chart.files[0]]["alt_txt"]
    summary = await fake.wait_for(lambda: next((m for m in fake.in_channel("C1") if m.thread_ts == chart.ts), None))
    assert "Gruppeprofil over 3" in summary.text

    # A partner asks for their own chart: it comes in the DM.
    before = len(fake.uploads)
    await driver.command("U2", "DU2", "results")
    await fake.wait_for(lambda: len(fake.uploads) > before)
    assert fake.messages[-1].channel == "DU2" or any(m.files and m.channel == "DU2" for m in fake.messages)


async def test_a_command_in_a_channel_without_the_bot_is_answered_privately_and_bind_is_refused(
        bot, fake: FakeSlack, db_url: str) -> None:
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    fake.outside.add("C7")
    status, _, _ = await driver.command("U1", "C7", "help")
    assert status == 200
    await fake.wait_for(lambda: any("/samson privacy" in r.get("text", "") for r in fake.responses))
    assert all(r["response_type"] == "ephemeral" for r in fake.responses)
    await driver.command("U1", "C7", "bind partners")
    await fake.wait_for(lambda: any("Invite me first" in r.get("text", "") for r in fake.responses))
    assert await count(db_url, ChannelBinding) == 0  # nothing saved for a channel the bot cannot post in
    assert not [c for c, p in fake.calls if c in ("chat.postMessage", "chat.postEphemeral") and p.get("channel") == "C7"]
    fake.outside.discard("C7")  # invited: now it works
    await driver.command("U1", "C7", "bind partners")
    await fake.wait_for(lambda: any("koblet til" in m.text for m in fake.in_channel("C7")))
    assert await count(db_url, ChannelBinding) == 1


async def test_forged_unsigned_and_stale_requests_get_401_and_store_nothing(bot, fake: FakeSlack, db_url) -> None:
    runtime, driver = bot
    body = driver.event_body({"type": "message", "channel": "DU9", "channel_type": "im", "user": "U9",
                              "text": "hello", "ts": "1.0"}, "EvForged")
    forged = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    assert (await driver.post(body, "application/json", forged, signed=False))[0] == 401
    assert (await driver.post(body, "application/json", signed=False))[0] == 401
    stale = driver.sign(body, timestamp=int(time.time()) - 6 * 60)
    assert (await driver.post(body, "application/json", stale, signed=False))[0] == 401
    other_secret = SlackDriver(driver.url, "not-the-secret", fake)
    assert (await other_secret.post(body, "application/json"))[0] == 401
    await other_secret.close()
    await asyncio.sleep(0.2)
    assert await count(db_url, Identity) == 0
    assert await count(db_url, Inbox) == 0
    assert not fake.called("chat.postMessage")
    # The same body, correctly signed, is accepted.
    assert (await driver.post(body, "application/json"))[0] == 200
    await fake.wait_for(lambda: fake.in_channel("DU9"))


async def test_retried_event_and_triple_click_change_state_once(bot, fake: FakeSlack, db_url: str) -> None:
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "round open Vår")
    await click_next(fake, driver, "U1", "/resume 1")
    question = latest(fake, "DU1")
    assert question is not None and "(1 " in question.text
    body = driver.action_body("U1", question, "7")
    results = await asyncio.gather(*(driver.post(body, "application/x-www-form-urlencoded") for _ in range(3)))
    assert [r[0] for r in results] == [200, 200, 200]
    await fake.wait_for(lambda: "(2 " in (latest(fake, "DU1") or question).text)
    await asyncio.sleep(0.3)
    assert await count(db_url, Answer) == 1
    assert sum("(2 " in m.text for m in fake.in_channel("DU1")) == 1

    # A DM event is stored before Slack gets its 200: if it cannot be, Slack hears an error and retries.
    event = driver.event_body({"type": "message", "channel": "DU1", "channel_type": "im", "user": "U1",
                               "text": "8", "ts": "2.0"}, "EvRetry1")
    real = runtime.core.accept_many

    async def database_away(events):
        raise ConnectionError("database unreachable")

    runtime.core.accept_many = database_away
    try:
        assert (await driver.post(event, "application/json"))[0] == 503
    finally:
        runtime.core.accept_many = real
    assert await count(db_url, Inbox, Inbox.key == "slack:T1:ev:EvRetry1") == 0
    # An Events API retry (X-Slack-Retry-Num) of a DM answer is recorded once.
    assert (await driver.post(event, "application/json"))[0] == 200
    for n in (1, 2):
        headers = {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
        assert (await driver.post(event, "application/json", headers))[0] == 200
    await fake.wait_for(lambda: "(3 " in (latest(fake, "DU1") or question).text)
    await asyncio.sleep(0.3)
    assert await count(db_url, Answer) == 2


async def test_a_question_sent_just_before_a_crash_is_updated_not_posted_again(fake: FakeSlack, db_url: str) -> None:
    await _seed(db_url)
    runtime = Runtime(Settings(
        database_url=db_url, slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.api_url,
        samson_http_port=0, samson_claim_lease_seconds=1, _env_file=None,
    ))
    await runtime.start()
    runtime.slack.sender.pace(per_second=200, burst=200)
    driver = SlackDriver(f"http://127.0.0.1:{runtime.web.port}/slack/events", SECRET, fake)
    try:
        await onboard_coordinator(fake, driver)
        await driver.command("U1", "C1", "round open Vår")
        await click_next(fake, driver, "U1", "/resume 1")
        await unsent(db_url, 0)

        async def never_recorded(event, **kw) -> None:  # as if the process died right after sending
            return None

        runtime.core.delivered = never_recorded  # type: ignore[method-assign]
        await click_next(fake, driver, "U1", "7")
        shown = [(m.ts, m.text) for m in fake.in_channel("DU1")]
        # The claim lapses after 1 s and the delivery sends the reply again: it updates the same message.
        await unsent(db_url, 0)
        assert [(m.ts, m.text) for m in fake.in_channel("DU1")] == shown
        assert sum("(2 " in m.text for m in fake.in_channel("DU1")) == 1
    finally:
        await driver.close()
        await runtime.stop()


async def test_stale_button_gets_a_polite_notice_and_changes_nothing(bot, fake: FakeSlack, db_url: str) -> None:
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "round open Vår")
    await click_next(fake, driver, "U1", "/resume 1")
    first = latest(fake, "DU1")
    stale = Message(first.channel, "1699999999.000001", first.text, copy.deepcopy(first.blocks))  # a copy of question 1
    await click_next(fake, driver, "U1", "5")
    await driver.click("U1", stale, "9")
    await fake.wait_for(lambda: any("earlier question" in m.text for m in fake.ephemeral))
    assert await count(db_url, Answer) == 1


async def test_429_retry_after_is_honoured_and_message_arrives_once(bot, fake: FakeSlack) -> None:
    runtime, driver = bot
    fake.rate_limit["chat.postMessage"] = 1
    fake.retry_after = 1
    started = time.monotonic()
    await driver.command("U5", "DU5", "help")
    await fake.wait_for(lambda: fake.in_channel("DU5"))
    assert time.monotonic() - started >= 0.9
    assert len(fake.called("chat.postMessage")) == 2
    assert len(fake.in_channel("DU5")) == 1


async def test_channel_pacing_spaces_a_burst(bot, fake: FakeSlack) -> None:
    runtime, driver = bot
    runtime.slack.sender.pace(per_second=5, burst=2)
    from bot.events import Reply

    started = time.monotonic()
    await runtime.slack.sender.send("T1", "C7", [Reply(text=f"m{i}") for i in range(6)])
    # 2 at once, then 4 more at 5 per second.
    assert time.monotonic() - started >= 0.7
    assert [m.text for m in fake.in_channel("C7")] == [f"m{i}" for i in range(6)]


async def test_non_coordinator_is_refused_coordinator_commands(bot, fake: FakeSlack, db_url: str) -> None:
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "add <@U2|ada> Øst kommune")
    await fake.wait_for(lambda: any("added" in m.text for m in fake.ephemeral))
    await driver.command("U2", "C1", "round open Sneaky")  # added by a coordinator: the terms come first, in a DM
    await fake.wait_for(lambda: any("Do you agree?" in m.text for m in fake.in_channel("DU2")))
    await click_next(fake, driver, "U2", "consent_yes")
    for text in ("round open Sneaky", "bind coordinators", "invite Øst kommune"):
        await driver.command("U2", "C1", text)
    await fake.wait_for(lambda: sum("Only coordinators" in m.text for m in fake.ephemeral if m.user == "U2") == 3)
    assert await count(db_url, ChannelBinding) == 0
    assert not any("Sneaky" in m.text for m in fake.messages)


async def test_modal_for_action_idea_and_typed_answer(bot, fake: FakeSlack, db_url: str) -> None:
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "round open Vår")
    await click_next(fake, driver, "U1", "/resume 1")
    items = load_instrument("samson").items
    idea_at = next(i for i, item in enumerate(items) if item.action_idea)
    for value in full_answers()[:idea_at]:
        await click_next(fake, driver, "U1", "na" if value == "?" else value)
    question = latest(fake, "DU1")
    await driver.click("U1", question, "idea")
    view = await fake.wait_for(lambda: fake.views[-1] if fake.views else None)
    assert view["callback_id"] == "samson_input"
    assert (await driver.submit("U1", view, "Felles møteplass hver måned"))[0] == 200
    # The question turns into "who may see this idea?"; the author picks, and is back at the statement.
    await fake.wait_for(lambda: "Who may see this idea?" in (latest(fake, "DU1") or question).text)
    await click_next(fake, driver, "U1", "anonymous")
    assert "Idea saved. The coordinators see it now, without your name; everyone else once enough" in latest(fake, "DU1").text
    db = Database(db_url)
    async with db.session() as s:
        from storage.models import ActionIdea

        ideas = (await s.exec(select(ActionIdea))).all()
    await db.close()
    assert [(i.text, i.sharing) for i in ideas] == [("Felles møteplass hver måned", "anonymous")]


async def test_socket_mode_connects_and_handles_events(fake: FakeSlack, db_url: str) -> None:
    await _seed(db_url)
    runtime = Runtime(Settings(
        database_url=db_url, slack_bot_token="xoxb-test", slack_app_token="xapp-test",
        slack_api_url=fake.api_url, samson_http_port=0, _env_file=None,
    ))
    await runtime.start()
    try:
        await fake.wait_for(lambda: fake.socket_connected)
        assert fake.called("apps.connections.open")
        driver = SlackDriver("", SECRET, fake)
        payload = json.loads(driver.event_body({"type": "message", "channel": "DU7", "channel_type": "im",
                                                "user": "U7", "text": "/help", "ts": "1.0"}))
        await driver.close()
        await fake.socket_send({"envelope_id": "env-1", "type": "events_api", "payload": payload,
                                "accepts_response_payload": False, "retry_attempt": 0})
        await fake.wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in fake.socket_acks))
        message = await fake.wait_for(lambda: fake.in_channel("DU7"))
        assert "/samson resume" in message[0].text
    finally:
        await runtime.stop()


async def test_malformed_requests_get_400_and_unsigned_ones_401_never_500(bot, fake: FakeSlack, db_url) -> None:
    from urllib.parse import urlencode

    runtime, driver = bot
    view = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "view": {"id": "V1"}}
    cases = [
        (urlencode({"payload": json.dumps(view)}), "application/x-www-form-urlencoded"),
        (urlencode({"payload": "{broken"}), "application/x-www-form-urlencoded"),
        (urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": []})}),
         "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
    ]
    for body, content_type in cases:
        assert (await driver.post(body, content_type))[0] == 400
    status, _, _ = await driver.post("{not json", "application/json", {"X-Slack-Signature": "v0=forged"})
    assert status == 401
    assert await count(db_url, Inbox) == 0
