"""The partner survey end to end: partners of two sides answer on Telegram and on Slack through the real
adapters against the fake APIs, and the published factors and barriers reach the partners' channel."""

from __future__ import annotations

import copy
import json

from sqlmodel import select

from bot.adapters.slack_blocks import WRITE
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Answer, Organisation, Round
from storage.partnerships import add_organisation, create_invite, create_partnership
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram
from tests.seeding import completed_person
from tests.survey_answers import SURVEY, survey_inputs
from tests.test_slack import bot, click_next, count, fake, latest, onboard_coordinator  # noqa: F401 (bot, fake: fixtures)
from tests.test_telegram import PNG, settings, tap_next

GROUP = -100777
Q4 = next(i for i, item in enumerate(SURVEY.items) if item.id == "q4")
Q70 = next(i for i, item in enumerate(SURVEY.items) if item.id == "q70")


async def _seed_telegram(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=2)
        kommune = await add_organisation(s, p, "Øst kommune", "municipality")
        gronn = await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise")
        await create_invite(s, p, organisation=kommune, role="partner", code="KOM-1")
        await create_invite(s, p, organisation=kommune, role="partner", code="KOM-2")
        await create_invite(s, p, organisation=gronn, role="partner", code="GV-1")
        await create_invite(s, p, role="coordinator", code="KOORD-1")
        await s.commit()
    await db.close()


async def test_three_partners_answer_the_survey_on_telegram_and_the_group_sees_factors_and_barriers(
        db_url: str) -> None:
    telegram = await FakeTelegram().start()
    await _seed_telegram(db_url)
    runtime = Runtime(settings(telegram, db_url))
    await runtime.start()
    fake = telegram  # noqa: F811  (this test talks to Telegram, not to the Slack fixture)
    try:
        coordinator = fake.user(3000, "Koord", "en")
        fake.say(coordinator, "/start KOORD-1")
        await tap_next(fake, coordinator, "consent_yes")
        await tap_next(fake, coordinator, "en", until="no open round")
        group = fake.group(GROUP, "Partnerne på Øst")
        fake.say(coordinator, "/bind@samson_test_bot partners", chat=group)
        await fake.wait_for(lambda: any("koblet til" in s.text for s in fake.to(GROUP)))
        fake.say(coordinator, "/round open survey Partnerundersøkelse 2027")
        await fake.wait_for(lambda: any("Partnerundersøkelse 2027" in s.text for s in fake.to(3000)))

        partners = [(3101, "KOM-1", "nb", 4, 20), (3102, "KOM-2", "en", 5, 30), (3103, "GV-1", "sv", 2, 80)]
        wording = {}
        for uid, code, lang, likert, barrier in partners:
            user = fake.user(uid, f"P{uid}", lang)
            fake.say(user, f"/start {code}")
            await tap_next(fake, user, "consent_yes")
            await tap_next(fake, user, lang)
            inputs = survey_inputs(likert=likert, barrier=barrier)
            for i, value in enumerate(inputs):
                question = await fake.wait_for(lambda u=uid: fake.last_keyboard(u))
                assert f"({i + 1} " in question.text and " 82)" in question.text
                if i == Q4:
                    wording[uid] = question.text
                last = i == len(inputs) - 1
                if i == Q70:  # the 1–100 scale: buttons in tens, and any number typed
                    values = [b["callback_data"].rsplit("|", 1)[-1] for row in question.keyboard for b in row]
                    assert values[:10] == [str(v) for v in range(10, 101, 10)] and "skip" in values
                    before = fake.keyboard_state(uid)
                    fake.say(user, "37")
                    await fake.wait_for(lambda u=uid, b=before: fake.keyboard_state(u) != b)
                    continue
                await tap_next(fake, user, value, until="✅" if last else None)
        assert "sosiale virksomheten" in wording[3101]  # the municipality reads about the social enterprise …
        assert "kommunen" in wording[3103]  # … and the social enterprise about the municipality
        assert "publiceras när omgången avslutas" in fake.to(3103)[-1].text
        assert await count(db_url, Answer) == 3 * len(SURVEY.items)
        assert not [s for s in fake.to(GROUP) if s.photo]  # nothing published while the round is open

        fake.say(coordinator, "/round close survey")
        photos = await fake.wait_for(lambda: (found := [s for s in fake.to(GROUP) if s.photo]) and len(found) == 2
                                     and found)
        assert all(p.photo.startswith(PNG) and len(p.photo) > 5000 for p in photos)
        summary = await fake.wait_for(lambda: next((s for s in fake.to(GROUP) if "Partnerundersøkelsen, 3" in s.text),
                                                   None))
        assert "Suksessfaktorer" in summary.text and "Barrierer" in summary.text
        # One partner on the social enterprises' side is below k = 2: no comparison by side, and it says why.
        assert "når hver side har minst 2" in summary.text and "Hvorfor ser vi" not in summary.text
        assert not fake.errors
    finally:
        await runtime.stop()
        await telegram.stop()


async def test_partners_of_both_sides_on_slack_see_the_sides_compared_once_each_reaches_k(
        bot, fake: FakeSlack, db_url: str) -> None:  # noqa: F811
    runtime, driver = bot
    await onboard_coordinator(fake, driver)
    await driver.command("U1", "C1", "bind partners")
    await fake.wait_for(lambda: any("koblet til" in m.text for m in fake.in_channel("C1")))
    await driver.command("U1", "C1", "add <@U2|ada> <@U3|bo> Øst kommune")
    await driver.command("U1", "C1", "add <@U4|cy> Grønn Vekst AS")
    await fake.wait_for(lambda: sum("added" in m.text for m in fake.ephemeral) >= 2)
    await driver.command("U1", "C1", "round open survey residents")
    await fake.wait_for(lambda: any("for partners only" in m.text for m in fake.ephemeral))  # not for residents
    await driver.command("U1", "C1", "round open survey")
    for user in ("U2", "U3", "U4"):
        await fake.wait_for(lambda u=user: latest(fake, "D" + u))

    for user, likert, barrier in (("U2", 4, 20), ("U3", 5, 30), ("U4", 2, 90)):
        await click_next(fake, driver, user, "/resume 1")
        await click_next(fake, driver, user, "consent_yes")
        await click_next(fake, driver, user, "en")
        inputs = survey_inputs(likert=likert, barrier=barrier)
        for i, value in enumerate(inputs):
            question = latest(fake, "D" + user)
            assert question is not None and f"({i + 1} of 82)" in question.text
            if i == Q70:  # the 1–100 scale: a modal with a number input
                await driver.click(user, copy.deepcopy(question), WRITE)
                view = await fake.wait_for(lambda: fake.views[-1] if fake.views else None)
                before = json.dumps(latest(fake, "D" + user).blocks)
                status, body, _ = await driver.submit(user, view, "150")  # out of range: said in the modal
                assert status == 200 and "response_action" in body and "from 1 to 100" in body
                assert (await driver.submit(user, view, str(barrier)))[0] == 200
                await fake.wait_for(lambda u=user, b=before: json.dumps(latest(fake, "D" + u).blocks) != b)
                continue
            await click_next(fake, driver, user, value, until="✅" if i == len(inputs) - 1 else None)
    # Three more answered outside this test's chats: now each side has k = 3.
    db = Database(db_url)
    async with db.session() as s:
        survey_round = (await s.exec(select(Round).where(Round.instrument_id == "survey"))).one()
        kinds = {o.kind: o for o in (await s.exec(select(Organisation))).all()}
        for n, (kind, likert, barrier) in enumerate((("municipality", 4, 30), ("social_enterprise", 2, 80),
                                                     ("social_enterprise", 1, 90))):
            await completed_person(s, survey_round, kinds[kind].id, f"Seeded {n}",
                                   inputs=survey_inputs(likert=likert, barrier=barrier))
        await s.commit()
    await db.close()

    await driver.command("U1", "C1", "round close survey")
    charts = await fake.wait_for(lambda: (found := [m for m in fake.in_channel("C1") if m.files]) and len(found) >= 1
                                 and found)
    assert fake.uploads[charts[0].files[0]].startswith(PNG)
    summary = await fake.wait_for(lambda: next((m for m in fake.in_channel("C1") if "Barrierer per side av bordet"
                                                in m.text), None))
    assert "Partnerundersøkelsen" in summary.text and "💬 Hvorfor ser vi" in summary.text
    uploaded = [m for m in fake.in_channel("C1") if m.files]
    assert len(uploaded) == 2 and all(fake.files[m.files[0]]["alt_txt"] for m in uploaded)
