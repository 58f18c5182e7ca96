"""Live dialogue sessions in a Telegram group and a Slack channel: private votes, "Show" from k, no names,
one vote per person, an agreed action, and the session published as a round."""

from __future__ import annotations

import copy
import json

from sqlmodel import func, select

from bot.runtime import Runtime
from core.instrument import load_instrument
from storage.db import Database
from storage.models import Action, ActionStatus, Answer, Publication, Round
from storage.partnerships import add_organisation, create_invite, create_partnership
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram
from tests.test_slack import bot, click_next, fake, onboard_coordinator  # noqa: F401 (bot, fake: fixtures)
from tests.test_telegram import settings, tap_next

GROUP = -100999
FIELD = load_instrument("samson").fields[1]  # "Working towards shared goals"


async def _seed(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3, lang="en")
        gronn = await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise")
        await add_organisation(s, p, "Øst kommune", "municipality")
        for n in range(4):
            await create_invite(s, p, organisation=gronn, role="partner", code=f"P-{n}")
        await create_invite(s, p, role="coordinator", code="KOORD-1")
        await s.commit()
    await db.close()


async def _facts(db_url: str) -> tuple[list[Answer], list[Round], int, list[Action]]:
    db = Database(db_url)
    async with db.session() as s:
        answers = list((await s.exec(select(Answer))).all())
        rounds = list((await s.exec(select(Round))).all())
        publications = (await s.exec(select(func.count()).select_from(Publication))).one()
        actions = list((await s.exec(select(Action))).all())
    await db.close()
    return answers, rounds, publications, actions


async def test_a_session_in_a_telegram_group(db_url: str) -> None:
    await _seed(db_url)
    tg = await FakeTelegram().start()
    runtime = Runtime(settings(tg, db_url))
    await runtime.start()
    try:
        koord = tg.user(6000, "Koord", "en")
        members = [tg.user(6001 + n, f"Member{n}", "en") for n in range(4)]
        for user, code in ((koord, "KOORD-1"), *((m, f"P-{n}") for n, m in enumerate(members))):
            tg.say(user, f"/start {code}")
            await tap_next(tg, user, "consent_yes")
            await tap_next(tg, user, "en", until="no open round")
        group = tg.group(GROUP, "Partnerne")
        tg.say(koord, "/bind@samson_test_bot partners", chat=group)
        await tg.wait_for(lambda: any("bound" in s.text or "koblet" in s.text for s in tg.to(GROUP)))
        tg.say(koord, "/session start 2", chat=group)
        statement = await tg.wait_for(lambda: tg.last_keyboard(GROUP))
        assert f"Statement 1 of {len(FIELD.items)}" in statement.text and "Votes so far: 0" in statement.text

        async def tap(user: dict, value: str, expect: str) -> None:
            tg.tap(user, tg.last_keyboard(GROUP), value)
            # A group gets 20 messages a minute: the answer may queue behind the vote counts' edits.
            await tg.wait_for(lambda: expect in (tg.last_keyboard(GROUP) or statement).text
                              or any(expect in s.text for s in tg.sent), timeout=45)

        await tap(members[0], "7", "Votes so far: 1")
        await tap(members[1], "8", "Votes so far: 2")
        await tap(koord, "📊 Show", "shown from 3 votes")  # below k: refused, nothing revealed
        await tap(members[1], "3", "Votes so far: 2")  # a change of mind: still one vote
        await tap(members[2], "3", "Votes so far: 3")
        await tap(members[3], "Can't say", "Votes so far: 4")
        toasts = [a.get("text") for a in tg.callback_answers if a.get("text")]
        assert "Your 8 is recorded; you can change it until we move on." in toasts  # privately, in the tap's answer
        await tap(members[0], "📊 Show", "Only a coordinator")
        await tap(koord, "📊 Show", "Distribution over 3 votes (median 3)")
        shown = next(s for s in tg.to(GROUP) if "Distribution over 3 votes" in s.text)
        assert not any(m["first_name"] in shown.text for m in members)  # no names
        assert " 3 ▇▇▇▇▇▇▇▇▇▇ 2" in shown.text and " 7 ▇▇▇▇▇ 1" in shown.text and "8 1" not in shown.text
        assert "Can't say\": 1" in shown.text
        assert not any("/session vote" in b["callback_data"] for row in shown.keyboard for b in row)  # voting closed

        tg.say(members[2], "/session propose Felles mål på én side", chat=group)
        proposal = await tg.wait_for(lambda: next((s for s in tg.to(GROUP) if "Proposal #" in s.text), None))
        number = int(proposal.text.split("#")[1].split()[0])
        tg.say(koord, f"/action agree {number} Grønn Vekst AS 1m", chat=group)
        await tg.wait_for(lambda: any(f"Action #{number} is agreed" in s.text for s in tg.sent))

        def newest() -> str:  # between moving on and the next statement, no message has buttons
            return (tg.last_keyboard(GROUP) or statement).text if tg.last_keyboard(GROUP) else ""

        for position in range(2, len(FIELD.items) + 1):
            tg.tap(koord, tg.last_keyboard(GROUP), "➡ Next")
            await tg.wait_for(lambda p=position: f"Statement {p} of" in newest())
            current = tg.last_keyboard(GROUP)
            for member, value in zip(members[:3], ("6", "7", "8"), strict=True):
                tg.tap(member, current, value)
            await tg.wait_for(lambda: "Votes so far: 3" in newest())
        tg.tap(koord, tg.last_keyboard(GROUP), "➡ Next")  # after the last statement: the session ends
        ended = await tg.wait_for(lambda: next((s for s in tg.to(GROUP) if "session has ended" in s.text), None))
        assert "votes of 4 participants are published" in ended.text
        answers, rounds, publications, actions = await _facts(db_url)
        session_round = next(r for r in rounds if r.audience == "session")
        assert session_round.status == "closed" and publications == 1
        first = FIELD.items[0].id
        assert sorted(a.number or 0 for a in answers if a.item_id == first) == [0, 3, 3, 7]  # one vote each
        assert [(a.text, a.status, a.serves) for a in actions] == [("Felles mål på én side", ActionStatus.agreed.value,
                                                                   FIELD.id)]
        # Votes tapped at once may each turn the statement into what it says already: Telegram refuses
        # such an edit with "message is not modified", which the bot takes as done (nothing is sent anew).
        assert not [e for e in tg.errors if "message is not modified" not in e[1]]
        assert sum("Statement 1 of" in s.text for s in tg.to(GROUP)) == 1
    finally:
        await runtime.stop()
        await tg.stop()


async def test_a_session_in_a_slack_channel_with_ephemeral_votes(bot, fake: FakeSlack, db_url: str) -> None:  # noqa: F811
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "bind partners")
    await fake.wait_for(lambda: any("koblet til" in m.text for m in fake.in_channel("C1")))
    await driver.command("U1", "C1", "add <@U2|ada> <@U3|bo> <@U4|cy> Øst kommune")
    await fake.wait_for(lambda: any("3 people added" in m.text for m in fake.ephemeral))
    await driver.command("U1", "C1", "session start 2")
    message = await fake.wait_for(lambda: fake.last_with_buttons("C1"))
    assert "Stemmer så langt: 0" in message.text  # the channel speaks the partnership's language

    async def click(user: str, value: str) -> None:
        seen = len(fake.ephemeral)
        before = json.dumps(fake.last_with_buttons("C1").blocks)
        status, _, _ = await driver.click(user, copy.deepcopy(fake.last_with_buttons("C1")), value)
        assert status == 200
        await fake.wait_for(lambda: json.dumps((fake.last_with_buttons("C1") or message).blocks) != before
                            or len(fake.ephemeral) > seen)

    for user in ("U2", "U3", "U4"):  # added by a coordinator, none has seen the terms: a vote brings them, in a DM
        await click(user, "/session vote 1.0 5")
        await fake.wait_for(lambda dm="D" + user: any("Do you agree?" in m.text for m in fake.in_channel(dm)))
        await click_next(fake, driver, user, "consent_yes")
    assert "Stemmer så langt: 0" in fake.last_with_buttons("C1").text  # nothing was counted before they agreed
    for user, value in (("U2", "/session vote 1.0 9"), ("U3", "/session vote 1.0 8"), ("U4", "/session vote 1.0 9")):
        await click(user, value)
    await fake.wait_for(lambda: "Stemmer så langt: 3" in fake.last_with_buttons("C1").text)
    assert any("Your 9 is recorded" in m.text and m.user == "U2" for m in fake.ephemeral)  # the voter's own language
    await click("U1", "/session show 1.0")
    await fake.wait_for(lambda: any("Fordeling over 3 stemmer (median 9)" in m.text for m in fake.in_channel("C1")))
    shown = next(m for m in fake.in_channel("C1") if "Fordeling over 3 stemmer" in m.text)
    assert not any(name in shown.text for name in ("ada", "bo", "cy", "U2", "U3", "U4"))
    await driver.command("U1", "C1", "session end")
    await fake.wait_for(lambda: any("Dialogøkten er ferdig" in m.text for m in fake.in_channel("C1")))
    answers, rounds, publications, _ = await _facts(db_url)
    assert publications == 1 and next(r for r in rounds if r.audience == "session").status == "closed"
    assert len([a for a in answers if a.item_id == FIELD.items[0].id]) == 3
