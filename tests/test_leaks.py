"""Each way a figure about fewer than k people, or another partnership's figure, used to leak; now closed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from bot import actions, round_lifecycle, summaries
from bot.config import Settings
from bot.nudging import compose_nudge
from bot.runtime import Runtime
from core.flow import Answer as FlowAnswer
from core.instrument import load_instrument
from storage.channels import bind_channel
from storage.db import Database
from storage.models import (
    ActionIdea,
    Contact,
    Identity,
    Membership,
    Organisation,
    Outbox,
    Partnership,
    Person,
    Response,
    Round,
    utcnow,
)
from storage.partnerships import add_organisation, create_invite, create_partnership
from storage.rounds import get_or_create_response, open_round, save_answer
from tests.conftest import full_answers, join
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_driver import SlackDriver
from tests.fakes.telegram_api import BOT_ID, TOKEN, FakeTelegram
from tests.seeding import completed_person

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


# ---- console: differencing, "can't say", ideas, erasure, residents


async def test_interim_result_cannot_be_differenced_by_the_next_view(user, seed) -> None:
    def numbers(n: int) -> list[str]:  # every statement answered, so each figure's n is the round's n
        return [a if a != "?" else "5" for a in full_answers(n)]

    people = [user(n) for n in ("ane", "bea", "cai", "dag")]
    for i, person in enumerate(people[:3]):
        await join(person, seed.codes["kommune" if i == 0 else "gronn"])
        await person.say(*numbers(i))
    coordinator = user("koord")
    await coordinator.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    out = await coordinator.say("/round publish")
    assert "interim result of \"Vår\" over 3 responses is published. No channel is bound" in out
    await join(people[3], seed.codes["gronn"])
    await people[3].say(*numbers(3))
    # a view at 4 next to the one at 3 would give the 4th person's answers exactly
    assert "Nothing was published" in await coordinator.say("/round publish")
    out = await people[0].say("/group")
    assert "Group profile over 3 responses" in out and "(interim)" in out
    out = await coordinator.say("/round close")
    assert "No new figures could be published" in out
    out = await people[3].say("/group")
    assert "Group profile over 3 responses" in out and "over 4" not in out
    assert "(closed; the last result the anonymity rules allowed)" in out and "(interim)" not in out


async def test_a_close_after_an_interim_result_shows_the_whole_round_not_the_interim(user, seed) -> None:
    def numbers(n: int) -> list[str]:
        return [a if a != "?" else "5" for a in full_answers(n)]

    people = [user(f"p{n}") for n in range(6)]
    for i, person in enumerate(people[:3]):
        await join(person, seed.codes["kommune" if i == 0 else "gronn"])
        await person.say(*numbers(i))
    coordinator = user("koord")
    await coordinator.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    assert "over 3 responses is published" in await coordinator.say("/round publish")
    for i, person in enumerate(people[3:], start=3):
        await join(person, seed.codes["gronn"])
        answers = numbers(i)
        if i == 5:
            answers[10] = "?"  # one statement now has 5 answers: 2 more than the interim's, so it stays as it was
        await person.say(*answers)
    await coordinator.say("/round close")
    out = await people[5].say("/group")
    assert "Group profile over 6 responses" in out and "(interim)" not in out
    assert "not shown" not in out  # the one statement the close had to hold back shows its interim figure


async def _round_with_answers(db: Database, seed, answers: list[dict[str, float | None]], org: str = "gronn") -> None:
    """People who completed the seeded SAMSON round with the given answers (others 6), then the round closed."""
    async with db.session() as s:
        round_ = await s.get(Round, seed.round_id)
        kind = "social_enterprise" if org == "gronn" else "municipality"
        org_id = (await s.exec(select(Organisation.id).where(Organisation.kind == kind))).one()
        for n, override in enumerate(answers):
            person = Person(display_name=f"P{n}", lang="en", consent_at=utcnow())
            s.add(person)
            await s.flush()
            s.add(Membership(person_id=person.id, partnership_id=seed.partnership_id, organisation_id=org_id))
            response = await get_or_create_response(s, round_, person.id)
            for item in load_instrument("samson").items:
                await save_answer(s, response.id, item.id, FlowAnswer(override.get(item.id, 6.0), None))
            response.completed_at = utcnow()
            s.add(response)
        p = await s.get(Partnership, seed.partnership_id)
        await round_lifecycle.close(s, p, round_)
        await s.commit()


async def test_one_numeric_answer_among_cant_say_is_not_shown_or_quoted(user, seed, db) -> None:
    lonely = "co.regular"
    await _round_with_answers(db, seed, [{lonely: 1.0}, {lonely: None}, {lonely: None}])
    u = user("eli")
    await join(u, seed.codes["kommune"])
    out = await u.say("/group")
    assert "Group profile over 3 responses" in out
    assert "1 statement not shown. Too few answers to show" in out  # plural rules: no "(s)"
    assert "Regular contact" not in out.split("Weakest sub-themes:")[1].split("\n")[0]
    async with db.session() as s:
        question = await summaries.discussion(s, await s.get(Partnership, seed.partnership_id), "en")
    assert "Regular contact" not in question


async def test_checkin_average_does_not_count_cant_say(db) -> None:
    async with db.session() as s:
        p = await create_partnership(s, "Sjekk", k=3)
        org = await add_organisation(s, p, "Org", "ngo")
        round_ = await open_round(s, p, "checkin", title="2027-02", audience="partners")
        for n, score in enumerate([4.0, None, None]):
            person = Person(display_name=f"C{n}", lang="en", consent_at=utcnow())
            s.add(person)
            await s.flush()
            s.add(Membership(person_id=person.id, partnership_id=p.id, organisation_id=org.id))
            response = await get_or_create_response(s, round_, person.id)
            await save_answer(s, response.id, "ci.working", FlowAnswer(score, None))
            await save_answer(s, response.id, "ci.often", FlowAnswer(None, "weekly"))
            await save_answer(s, response.id, "ci.informal", FlowAnswer(None, ("close", "orderly", "little")[n]))
            if n < 2:  # two of three say what is in the way: under k, so held back, with the reason
                await save_answer(s, response.id, "ci.obstacle", FlowAnswer(None, f"Obstacle {n}"))
            response.completed_at = utcnow()
            s.add(response)
        await round_lifecycle.close(s, p, round_)
        await s.commit()
        highlight = await summaries.checkin_highlight(s, p, "en")
        digest = (await summaries.compose_digest(s, {"round_id": round_.id, "lang": "en"}, None))[0].text
    assert "no average shown" in highlight and "Too few answers" in highlight
    assert "on average" not in digest and "4 of 5" not in digest.split("answered")[1]
    assert "The collaboration now: no average shown (1 answer; it needs at least 3)." in digest
    assert "What is in the way:\n• (2 wrote something here; the texts are shown once at least 3 have)" in digest
    assert "Obstacle" not in digest
    assert "The informal contact: 3 answers, no option chosen by 3 or more." in digest  # not "other answers 3"


async def test_ideas_follow_the_authors_choice_and_anonymous_ones_wait_for_k(user, seed, db) -> None:
    async def idea(name: str, code: str, text: str, sharing: str) -> None:
        u = user(name)
        await join(u, seed.codes[code])
        await u.say("5", "5", "5", "5", "idea", text, sharing)

    async def views() -> tuple[str, str]:
        async with db.session() as s:
            p = await s.get(Partnership, seed.partnership_id)
            summary = (await summaries.summary_replies(s, p, "en", ""))[-1].text
            org = (await s.exec(select(Organisation).where(Organisation.kind == "municipality"))).one()
            person = (await s.exec(select(Person).where(Person.display_name == "fia"))).one()
            nudge = (await compose_nudge(s, {"organisation_id": org.id, "person_id": person.id,
                                             "due": utcnow().isoformat()}, None))[0].text
        return summary, nudge

    await idea("fia", "kommune", "Lunch at the library", "anonymous")
    await idea("gus", "gronn", "Shared calendar", "named")
    summary, nudge = await views()
    assert "Shared calendar (gus)" in summary and "Shared calendar" in nudge
    assert "Lunch at the library" not in nudge  # anonymous, and only 2 people gave ideas: not for partners yet …
    assert "Lunch at the library · idea · 🔒 Not shared yet" in summary  # … coordinators see it, marked, without a name
    assert "(fia)" not in summary
    await idea("hal", "gronn", "Budget talk", "coordinators")
    summary, nudge = await views()
    assert "Lunch at the library" in nudge and "Lunch at the library · 🔒" not in summary  # 3 contributors now
    assert "Budget talk" in summary and "Budget talk (hal)" not in summary  # coordinators see it, unnamed
    assert "Budget talk" not in nudge  # partners do not
    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        shown = await actions.visible(s, p, coordinator=False, statuses=("proposed",))  # type: ignore[arg-type]
        number = next(a.number for a in shown if a.text == "Shared calendar")
        await actions.agree(s, p, number, "Grønn Vekst AS", date(2027, 3, 1))  # type: ignore[arg-type]
        await s.commit()
    summary, nudge = await views()
    assert "Shared calendar" not in nudge and "Lunch at the library" in nudge  # agreed: no idea to pick up any more


async def test_erase_after_contact_and_group_activity_removes_every_row(core, user, seed, db) -> None:
    u = user("liv")
    await join(u, seed.codes["kommune"])
    await u.say(*full_answers(1))
    assert u.adapter.saved and all(path.exists() for path in u.adapter.saved)
    assert "Recorded" in await u.say("/contact Grønn Vekst AS meeting")
    async with db.session() as s:
        await bind_channel(s, seed.partnership_id, "console", "local", "console:group", "partners", "en")
        await s.commit()
    assert await core.record_activity("console", "local", "console:group", "liv")
    async with db.session() as s:
        person = (await s.exec(select(Person).where(Person.display_name == "liv"))).one()
        s.add(Outbox(key="x", platform="console", workspace="local", channel="console:liv", kind="text",
                     params='{"text": "hi"}'))
        s.add(Outbox(key="y", platform="slack", workspace="T", channel="C9", kind="round_invite",
                     params=f'{{"person_id": {person.id}, "round_id": 1}}'))
        await s.commit()
        person_id = person.id
    saved = list(u.adapter.saved)
    assert "Everything has been deleted" in await u.say("/erase yes")
    assert not any(path.exists() for path in saved)
    async with db.session() as s:
        assert (await s.exec(select(Contact).where(Contact.person_id == person_id))).all() == []
        assert (await s.exec(select(Identity).where(Identity.person_id == person_id))).all() == []
        assert (await s.exec(select(Response).where(Response.person_id == person_id))).all() == []
        assert (await s.exec(select(Outbox))).all() == []
        assert await s.get(Person, person_id) is None


async def test_residents_cannot_log_partner_contact_and_are_not_missing_in_checkins(user, db) -> None:
    async with db.session() as s:
        p = await create_partnership(s, "Nabolag", k=3)
        await add_organisation(s, p, "Kommunen", "municipality")
        residents = await add_organisation(s, p, "Innbyggere", "residents")
        await create_invite(s, p, organisation=residents, role="resident", code="BO-9")
        round_ = await open_round(s, p, "checkin", title="2027-03", audience="partners")
        await s.commit()
    u = user("rut")
    await u.say("/start BO-9", "yes", "en")
    assert "As a resident you don't need to do this" in await u.say("/contact Kommunen meeting")
    async with db.session() as s:
        assert (await s.exec(select(Contact))).all() == []
        from storage.rounds import participation

        rows = await participation(s, await s.get(Round, round_.id))
    assert sum(r.members for r in rows) == 0  # the resident is not counted as missing


# ---- /group where it does not belong, on Slack and Telegram


async def _two_partnerships(db_url: str, platform: str, workspace: str, member: str, member_dm: str | None,
                            home: str, foreign: str) -> None:
    """P1 has a published round and a bound channel ``home``; P2 has ``foreign`` bound. ``member`` is in P1."""
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p1 = await create_partnership(s, "Bydel Øst", k=3)
        p2 = await create_partnership(s, "Bydel Vest", k=3)
        org = await add_organisation(s, p1, "Øst kommune", "municipality")
        round_ = await open_round(s, p1, "samson", title="Vår 2027")
        for n in range(3):
            await completed_person(s, round_, org.id, f"Done {n}", seed=n)
        await round_lifecycle.close(s, p1, round_)
        person = Person(display_name="Ada", lang="en", consent_at=utcnow())
        s.add(person)
        await s.flush()
        s.add(Membership(person_id=person.id, partnership_id=p1.id, organisation_id=org.id))
        s.add(Identity(person_id=person.id, platform=platform, workspace=workspace, user_id=member,
                       dm_channel=member_dm, current_partnership_id=p1.id))
        await bind_channel(s, p1.id, platform, workspace, home, "partners", "en")
        await bind_channel(s, p2.id, platform, workspace, foreign, "partners", "en")
        await s.exec(delete(Outbox))  # type: ignore[call-overload]  # the closing announcement is not tested here
        await s.commit()
    await db.close()


@pytest.fixture
async def slack():
    server = await FakeSlack().start()
    yield server
    await server.stop()


async def test_slack_group_in_unbound_or_foreign_channel_answers_only_in_dm(slack: FakeSlack, db_url: str) -> None:
    await _two_partnerships(db_url, "slack", slack.team, "U2", None, "C1", "C2")
    runtime = Runtime(Settings(database_url=db_url, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                               slack_api_url=slack.api_url, samson_http_port=0, _env_file=None), run_scheduler=False)
    await runtime.start()
    runtime.slack.sender.pace(per_second=200, burst=200)
    driver = SlackDriver(f"http://127.0.0.1:{runtime.web.port}/slack/events", SECRET, slack)
    try:
        for channel in ("CRANDOM", "C2"):  # an unbound channel, and another partnership's channel
            before = len([m for m in slack.in_channel("DU2") if m.files])
            await driver.command("U2", channel, "group")
            await slack.wait_for(lambda b=before: len([m for m in slack.in_channel("DU2") if m.files]) > b)
            await slack.wait_for(lambda c=channel: any("direct message" in m.text and m.channel == c
                                                       for m in slack.ephemeral))
            assert slack.in_channel(channel) == []  # nothing public in that channel
        # in the partnership's own bound channel, the published result is posted for everyone there
        await driver.command("U2", "C1", "group")
        chart = await slack.wait_for(lambda: next((m for m in slack.in_channel("C1") if m.files), None))
        assert chart is not None
    finally:
        await driver.close()
        await runtime.stop()


@pytest.fixture
async def telegram():
    server = await FakeTelegram().start()
    yield server
    await server.stop()


async def test_telegram_group_in_foreign_group_goes_to_dm_or_a_note_without_figures(
        telegram: FakeTelegram, db_url: str) -> None:
    ws = str(BOT_ID)
    await _two_partnerships(db_url, "telegram", ws, "701", "701", "-1001", "-1002")
    ada = telegram.user(701, "Ada")
    stranger = telegram.user(702, "Ben")
    foreign, unbound = telegram.group(-1002, "Vest"), telegram.group(-1003, "Random")
    runtime = Runtime(Settings(database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=telegram.api_url,
                               samson_http_port=0, _env_file=None), run_scheduler=False)
    await runtime.start()
    try:
        telegram.say(ada, "/group", chat=foreign)
        photo = await telegram.wait_for(lambda: next((s for s in telegram.to(701) if s.photo), None))
        assert photo is not None and not any(s.photo for s in telegram.to(-1002))
        # someone of P1 who never opened the bot privately (seeded without a private chat) gets a note, no figures
        db = Database(db_url)
        async with db.session() as s:
            person = Person(display_name="Ben", lang="en", consent_at=utcnow())
            s.add(person)
            await s.flush()
            p1 = (await s.exec(select(Partnership).where(Partnership.slug == "bydel-ost"))).one()
            s.add(Membership(person_id=person.id, partnership_id=p1.id))
            s.add(Identity(person_id=person.id, platform="telegram", workspace=ws, user_id="702",
                           current_partnership_id=p1.id))
            await s.commit()
        await db.close()
        telegram.say(stranger, "/group", chat=unbound)
        note = await telegram.wait_for(lambda: next((s for s in telegram.to(-1003) if "private chat" in s.text), None))
        assert "t.me/" in note.text and not any(s.photo for s in telegram.to(-1003))
        assert "Group profile over" not in "\n".join(s.text for s in telegram.to(-1003))
    finally:
        await runtime.stop()


async def test_ideas_keep_their_sharing_in_storage(user, seed, db) -> None:
    u = user("mia")
    await join(u, seed.codes["kommune"])
    await u.say("5", "5", "5", "5", "idea", "Quiet idea", "c")
    async with db.session() as s:
        idea = (await s.exec(select(ActionIdea).where(col(ActionIdea.text) == "Quiet idea"))).one()
    assert idea.sharing == "coordinators"
