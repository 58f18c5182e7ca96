"""Check-ins, nudges, escalation and summaries under time control, delivered through the Telegram fake."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import func, select

from bot import actions, publishing
from bot.config import Settings
from bot.delivery import Delivery
from bot.runtime import Runtime
from bot.scheduler import run_tick
from core.instrument import load_instrument
from core.results import weakest
from storage.channels import bind_channel
from storage.contacts import record_contact
from storage.db import Database
from storage.models import Contact, Identity, Membership, Organisation, Outbox, Partnership, Person, Round
from storage.partnerships import add_organisation, create_partnership
from storage.rounds import close_round, open_round
from tests.fakes.telegram_api import BOT_ID, TOKEN, FakeTelegram
from tests.seeding import completed_person

OSLO = ZoneInfo("Europe/Oslo")
WS = str(BOT_ID)
PARTNERS, COORDINATORS = -100888, -100999


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


@dataclass
class World:
    db_url: str
    partnership_id: int
    orgs: dict[str, int]
    people: dict[str, int]
    """name → Telegram user id (also their private chat id)."""


@pytest.fixture
async def fake():
    server = await FakeTelegram().start()
    yield server
    await server.stop()


async def build(db_url: str, fake: FakeTelegram, created: datetime, *, k: int = 3, samson_done: int = 0) -> World:
    """A partnership with three organisations, four partners on Telegram and bound groups."""
    db = Database(db_url)
    await db.migrate()
    people = {"ada": 501, "bo": 502, "cy": 503, "di": 504}
    with time_machine.travel(created, tick=False):
        async with db.session() as s:
            p = await create_partnership(s, "Bydel Øst", k=k, lang="en")
            orgs = {"A": await add_organisation(s, p, "Øst kommune", "municipality"),
                    "B": await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise"),
                    "C": await add_organisation(s, p, "Frivilligsentralen", "ngo")}
            home = {"ada": "A", "bo": "B", "cy": "A", "di": "C"}
            for name, user_id in people.items():
                fake.user(user_id, name.title(), "en")
                person = Person(display_name=name.title(), lang="en", consent_at=created)
                s.add(person)
                await s.flush()
                s.add(Membership(person_id=person.id, partnership_id=p.id, organisation_id=orgs[home[name]].id))
                s.add(Identity(person_id=person.id, platform="telegram", workspace=WS, user_id=str(user_id),
                               dm_channel=str(user_id), current_partnership_id=p.id))
            for chat, purpose in ((PARTNERS, "partners"), (COORDINATORS, "coordinators")):
                fake.group(chat)
                await bind_channel(s, p.id, "telegram", WS, str(chat), purpose, "en")
            for org in orgs.values():
                await record_contact(s, org, "monthly", kind="meeting", source="partner", at=created)
            if samson_done:
                await closed_samson_round(s, p, orgs["B"].id, "Vår 2027", samson_done)
            await s.commit()
            world = World(db_url, p.id, {key: org.id for key, org in orgs.items()}, people)
    await db.close()
    return world


async def closed_samson_round(s, p: Partnership, org_id: int, title: str, done: int) -> Round:
    """A SAMSON round that ``done`` people completed, closed and published (without announcing it)."""
    round_ = await open_round(s, p, "samson", title=title)
    for n in range(done):
        await completed_person(s, round_, org_id, f"{title} {n}", seed=n)
    await close_round(s, round_)
    await publishing.publish(s, p, round_, "closed")
    return round_


@pytest.fixture
async def runtime(fake: FakeTelegram, db_url: str):
    runtime = Runtime(Settings(database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=fake.api_url,
                               samson_http_port=0, _env_file=None), run_scheduler=False)
    yield runtime
    await runtime.stop()


def nudges(planned: list) -> list:
    return [p for p in planned if p.kind == "nudge"]


async def tick_and_send(runtime: Runtime) -> list:
    planned = await run_tick(runtime.db)
    await runtime.delivery.flush()
    return planned


def texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [s.text for s in fake.to(chat)]


async def touch(world: World, org: str, at: datetime) -> None:
    db = Database(world.db_url)
    async with db.session() as s:
        organisation = await s.get(Organisation, world.orgs[org])
        await record_contact(s, organisation, "monthly", kind="call", source="partner", at=at)
        await s.commit()
    await db.close()


async def test_silent_organisation_gets_one_nudge_at_0800_not_2200_then_escalation(fake, runtime, db_url) -> None:
    created = local(2027, 1, 4, 10, 0)
    world = await build(db_url, fake, created)
    await runtime.start()
    await touch(world, "B", created + timedelta(days=34))  # B and C stay in touch; A goes silent
    await touch(world, "C", created + timedelta(days=34))
    ada, cy, bo = 501, 503, 502

    with time_machine.travel(local(2027, 2, 8, 22, 0), tick=False):  # day 35, 22:00 in Oslo
        planned = nudges(await tick_and_send(runtime))
    assert len(planned) == 2  # Ada and Cy of Øst kommune
    assert all(p.not_before == local(2027, 2, 9, 8, 0) for p in planned)
    assert not texts(fake, ada) and not texts(fake, cy)  # deferred over quiet hours, not sent at 22:00

    with time_machine.travel(local(2027, 2, 9, 8, 0, 30), tick=False):
        await tick_and_send(runtime)
    for chat in (ada, cy):
        assert len(texts(fake, chat)) == 1
        nudge = texts(fake, chat)[0]
        # 4 January to 9 February: calendar days
        assert "36 days since Øst kommune" in nudge and "Grønn Vekst AS (Bo)" in nudge and "/contact" in nudge
    assert not texts(fake, bo)

    for day in (10, 15, 25):  # the same interval: never again
        with time_machine.travel(local(2027, 2, day, 12, 0), tick=False):
            assert nudges(await tick_and_send(runtime)) == []
    assert len(texts(fake, ada)) == 1

    with time_machine.travel(local(2027, 3, 6, 10, 30), tick=False):  # a second interval missed
        planned = await tick_and_send(runtime)
        assert [p.kind for p in planned if p.kind in ("escalation", "nudge")] == ["escalation"]
        assert not [p for p in await tick_and_send(runtime) if p.kind == "escalation"]
    escalation = [t for t in texts(fake, COORDINATORS) if "⚠" in t and "intervals" in t]
    assert len(escalation) == 1 and "Øst kommune" in escalation[0] and "61 days" in escalation[0]


async def test_contact_resets_the_clock_and_snooze_defers(fake, runtime, db_url) -> None:
    created = local(2027, 1, 4, 10, 0)
    world = await build(db_url, fake, created)
    await runtime.start()
    await touch(world, "A", created + timedelta(days=20))  # contact keeps A off the list
    db = Database(db_url)
    async with db.session() as s:
        bo = (await s.exec(select(Person).where(Person.display_name == "Bo"))).one()
        bo.snoozed_until = local(2027, 2, 20, 9, 0)
        s.add(bo)
        await s.commit()
    await db.close()
    with time_machine.travel(local(2027, 2, 8, 12, 0), tick=False):
        planned = nudges(await tick_and_send(runtime))
    targets = {p.channel for p in planned}
    assert targets == {"502", "504"}  # Bo (B) and Di (C); A had contact
    held = next(p for p in planned if p.channel == "502")
    assert held.not_before == local(2027, 2, 20, 9, 0)  # snoozed: deferred, not dropped
    assert texts(fake, 504) and not texts(fake, 502)


async def test_checkin_opens_on_first_weekday_reminds_once_closes_with_digest(fake, runtime, db_url) -> None:
    created = local(2027, 1, 15, 10, 0)
    world = await build(db_url, fake, created, k=2, samson_done=2)
    db = Database(db_url)
    async with db.session() as s:  # a coordinator with no organisation: not asked, so not reminded
        eli = Person(display_name="Eli", lang="en", consent_at=created)
        s.add(eli)
        await s.flush()
        s.add(Membership(person_id=eli.id, partnership_id=world.partnership_id, organisation_id=None, role="coordinator"))
        s.add(Identity(person_id=eli.id, platform="telegram", workspace=WS, user_id="505", dm_channel="505"))
        await s.commit()
    await db.close()
    await runtime.start()
    with time_machine.travel(local(2027, 2, 1, 9, 59), tick=False):  # Monday 1 February, 09:59 in Oslo
        assert [p for p in await tick_and_send(runtime) if p.kind == "round_invite"] == []
    with time_machine.travel(local(2027, 2, 1, 10, 0, 30), tick=False):
        planned = await tick_and_send(runtime)
    invites = [p for p in planned if p.kind == "round_invite"]
    assert len(invites) == 4
    assert "check-in" in texts(fake, 501)[-1] and "Feb 8 10:00" in texts(fake, 501)[-1]

    # Ada and Bo answer through Telegram; Cy and Di do not.
    for name, user_id in (("ada", 501), ("bo", 502)):
        user = {"id": user_id, "is_bot": False, "first_name": name.title(), "language_code": "en"}
        await answer_checkin(fake, user)
    db = Database(db_url)
    async with db.session() as s:
        contacts = (await s.exec(select(Contact).where(Contact.source == "checkin"))).all()
    await db.close()
    assert {c.kind for c in contacts} == {"checkin"} and len({c.organisation_id for c in contacts}) == 2

    db = Database(db_url)
    async with db.session() as s:  # Di snoozed reminders until after the close
        di = (await s.exec(select(Person).where(Person.display_name == "Di"))).one()
        di.snoozed_until = local(2027, 2, 9, 0, 0)
        s.add(di)
        fay = Person(display_name="Fay", lang="en")  # added by a coordinator, has not agreed to the terms
        s.add(fay)
        await s.flush()
        cy = (await s.exec(select(Membership).join(Person).where(Person.display_name == "Cy"))).one()
        s.add(Membership(person_id=fay.id, partnership_id=world.partnership_id, organisation_id=cy.organisation_id))
        s.add(Identity(person_id=fay.id, platform="telegram", workspace=WS, user_id="506", dm_channel="506"))
        await s.commit()
    await db.close()
    with time_machine.travel(local(2027, 2, 6, 10, 5), tick=False):  # two days before the close
        planned = await tick_and_send(runtime)
        assert sorted(p.channel for p in planned if p.kind == "checkin_reminder") == ["503"]
        assert await tick_and_send(runtime) == []  # one reminder only
    assert any("Reminder" in t for t in texts(fake, 503)) and not any("Reminder" in t for t in texts(fake, 501))
    assert not any("Reminder" in t for t in texts(fake, 504) + texts(fake, 505) + texts(fake, 506))

    with time_machine.travel(local(2027, 2, 8, 10, 1), tick=False):
        planned = await tick_and_send(runtime)
    assert [p.kind for p in planned if p.kind == "checkin_digest"] == ["checkin_digest"]
    digest = next(t for t in texts(fake, PARTNERS) if "has closed" in t)
    assert "2 of 6 answered" in digest  # two seeded SAMSON respondents of Grønn Vekst have no chat
    assert "check-in for February 2027" in digest  # the month, as people name it
    assert "• Øst kommune: 1 of 2" in digest and "• Grønn Vekst AS: 1 of 3" in digest
    assert "Joint workshop in March" in digest
    assert "How often people were in touch: Weekly or more 2." in digest  # k=2 here: both answers count
    assert "The informal contact: Close and trusting 2." in digest and "Too little time" in digest
    assert "• Frivilligsentralen: 24 days ago" in digest  # the contact picture: days since the last contact
    instrument = load_instrument("samson")
    db = Database(db_url)
    async with db.session() as s:
        published = await publishing.latest(s, await s.get(Partnership, world.partnership_id))
        closed = (await s.exec(select(Round).where(Round.instrument_id == "checkin"))).one()
    await db.close()
    lowest = instrument.item(weakest(instrument, published.snapshot, 1)[0][0])
    assert lowest.subtheme.get("en") in digest and "next month" in digest
    assert closed.status == "closed"


async def answer_checkin(fake: FakeTelegram, user: dict) -> None:
    chat = user["id"]
    invite = await fake.wait_for(lambda: fake.last_keyboard(chat))

    async def tap(value: str) -> None:
        message = await fake.wait_for(lambda: fake.last_keyboard(chat))
        before = fake.keyboard_state(chat)
        fake.tap(user, message, value)
        await fake.wait_for(lambda: fake.keyboard_state(chat) != before)

    async def typed(text: str) -> None:
        before = len(fake.to(chat))
        fake.say(user, text)
        await fake.wait_for(lambda: len(fake.to(chat)) > before and fake.last_keyboard(chat) is not None)

    await tap(invite.data("▶ Start").rsplit("|", 1)[-1])
    await tap("weekly")
    await tap("close")
    await tap("4")
    await typed("Good meetings")
    await typed("Too little time")
    fake.say(user, "Joint workshop in March")
    await fake.wait_for(lambda: any("digest" in t for t in texts(fake, chat)))


async def test_weekly_summary_posts_png_and_text_and_respects_k(fake, runtime, db_url) -> None:
    created = local(2027, 1, 4, 10, 30)  # after January's check-in would have opened: none this month
    world = await build(db_url, fake, created, k=3, samson_done=3)
    await runtime.start()
    with time_machine.travel(local(2027, 1, 11, 7, 59), tick=False):
        assert not [p for p in await tick_and_send(runtime) if p.kind == "summary"]
    with time_machine.travel(local(2027, 1, 11, 8, 0, 30), tick=False):  # Monday 08:00
        planned = await tick_and_send(runtime)
        assert [p.kind for p in planned] == ["summary"]
        assert await tick_and_send(runtime) == []
    photo = next(s for s in fake.to(COORDINATORS) if s.photo)
    assert photo.photo.startswith(b"\x89PNG") and len(photo.photo) > 5000
    assert photo.text.startswith("📋 Weekly summary") and "no open rounds" in photo.text
    thread = [s.text for s in fake.to(COORDINATORS) if s.reply_to == photo.message_id]
    assert "Group profile over 3" in thread[0] and "Weakest sub-themes" in thread[0]  # the chart's text first
    assert "Contact health" in thread[-1] and "@" not in photo.text + "".join(thread)
    await summary_day(world, "fri")  # the day moved to Friday after Monday's went out: no second summary that week
    with time_machine.travel(local(2027, 1, 12, 9, 0), tick=False):  # and the schedule does not promise one
        assert "summary: Friday at 08:00 – next Jan 22 08:00" in await schedule_text(world)
    with time_machine.travel(local(2027, 1, 15, 8, 0, 30), tick=False):
        assert not [p for p in await tick_and_send(runtime) if p.kind == "summary"]
    await summary_day(world, "mon")

    db = Database(db_url)  # a newer round closed with fewer than k respondents: nothing of it is shown
    async with db.session() as s:
        await closed_samson_round(s, await s.get(Partnership, world.partnership_id), world.orgs["A"], "Høst", 2)
        await s.commit()
    await db.close()
    with time_machine.travel(local(2027, 1, 18, 8, 0, 30), tick=False):
        await tick_and_send(runtime)
    latest = [s for s in fake.to(COORDINATORS)][-2:]
    assert not any(s.photo for s in latest)
    assert "no figure can be shown yet: 2 responses, and each figure needs at least 3" in latest[-1].text
    assert "Group profile" not in latest[-1].text


async def schedule_text(world: World) -> str:
    from bot.handlers.settings import schedule_now

    db = Database(world.db_url)
    async with db.session() as s:
        partnership = await s.get(Partnership, world.partnership_id)
        text = await schedule_now(s, partnership)  # type: ignore[arg-type]
    await db.close()
    return text


async def summary_day(world: World, day: str) -> None:
    db = Database(world.db_url)
    async with db.session() as s:
        partnership = await s.get(Partnership, world.partnership_id)
        partnership.summary_day = day  # type: ignore[union-attr]
        s.add(partnership)
        await s.commit()
    await db.close()


async def test_restart_between_decided_and_sent_sends_each_once(fake, db_url) -> None:
    created = local(2027, 1, 4, 10, 0)
    await build(db_url, fake, created)
    settings = Settings(database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=fake.api_url,
                        samson_http_port=0, _env_file=None)
    db = Database(db_url)
    with time_machine.travel(local(2027, 2, 9, 12, 0), tick=False):
        # Two schedulers decide at the same moment (e.g. a second process by mistake) …
        first, second = await asyncio.gather(run_tick(db), run_tick(db))
    decided = len(nudges(first)) + len(nudges(second))
    assert decided == 4  # every partner once, whichever process decided it
    # … and the process dies before sending. After a restart, two deliveries race for the rows.
    runtime = Runtime(settings, run_scheduler=False)
    await runtime.start()
    other = Delivery(db, [runtime.telegram.sender])
    try:
        with time_machine.travel(local(2027, 2, 9, 12, 1), tick=False):
            await asyncio.gather(runtime.delivery.flush(), other.flush(), runtime.delivery.flush())
        async with asyncio.timeout(10):  # a send the runtime's own delivery has under way is recorded once it is done
            while True:
                async with db.session() as s:
                    unsent = (await s.exec(select(func.count()).select_from(Outbox).where(Outbox.sent_at == None))).one()  # noqa: E711
                if unsent == 0:
                    break
                await asyncio.sleep(0.05)
        for chat in (501, 502, 503, 504):
            assert len(texts(fake, chat)) == 1
        assert len([t for t in texts(fake, COORDINATORS) if "Weekly summary" in t]) == 1
    finally:
        await runtime.stop()
        await db.close()


async def test_group_activity_counts_as_contact_without_storing_text(fake, runtime, db_url) -> None:
    world = await build(db_url, fake, local(2027, 1, 4, 10, 0))
    await runtime.start()
    di = {"id": 504, "is_bot": False, "first_name": "Di", "language_code": "en"}
    fake.say(di, "Shall we meet on Thursday about the garden?", chat=fake.chats[PARTNERS])
    db = Database(db_url)
    for _ in range(200):
        async with db.session() as s:
            rows = (await s.exec(select(Contact).where(Contact.kind == "activity"))).all()
        if rows:
            break
        await asyncio.sleep(0.02)
    await db.close()
    assert len(rows) == 1 and rows[0].organisation_id == world.orgs["C"] and rows[0].source == "channel"
    assert not texts(fake, PARTNERS)  # the bot stays quiet in the group


def test_the_schedule_shows_the_check_in_that_will_really_open() -> None:
    from datetime import UTC, datetime

    from bot.handlers.settings import describe
    from storage.models import Partnership

    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # December's check-in window (from the 1st) is still open
    new = describe(Partnership(name="Ny", slug="ny", created_at=now), now)
    assert "next Jan " in new and "Dec 1" not in new  # created after it began: the scheduler skips it, so does this
    assert "next Dec 1 " in describe(Partnership(name="Eldre", slug="eldre", created_at=datetime(2026, 1, 5, tzinfo=UTC)), now)


async def test_residents_are_never_nudged_about_partner_contact(db) -> None:
    from storage.contacts import contact_health, due_nudge_targets, due_organisations

    created = local(2027, 1, 4, 9, 0)
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Nord", k=3, lang="en")
        naboer = await add_organisation(s, p, "Naboer", "residents")
        kommune = await add_organisation(s, p, "Nord kommune", "municipality")
        person = Person(display_name="Rita", lang="en", consent_at=created)
        s.add(person)
        await s.flush()
        s.add(Membership(person_id=person.id, partnership_id=p.id, organisation_id=naboer.id, role="resident"))
        s.add(Identity(person_id=person.id, platform="telegram", workspace=WS, user_id="601", dm_channel="601"))
        # a coordinator met the residents (and the municipality) once
        await record_contact(s, naboer, "monthly", kind="meeting", source="partner", at=created, other=kommune)
        await s.commit()
        later = created + timedelta(days=90)
        assert [d.name for d in await due_organisations(s, later)] == ["Nord kommune"]
        assert await due_nudge_targets(s, later) == []  # the municipality has no one to reach; Rita is not nudged
        assert [h.organisation for h in await contact_health(s, p, later)] == ["Nord kommune"]


async def test_check_in_texts_are_shown_in_alphabetical_not_answering_order(db) -> None:
    from bot.ideas import shared_answers
    from core.flow import Answer as FlowAnswer
    from storage.rounds import get_or_create_response, save_answer

    async with db.session() as s:
        p = await create_partnership(s, "Bydel Vest", k=3, lang="en")
        org = await add_organisation(s, p, "Vest kommune", "municipality")
        round_ = await open_round(s, p, "checkin", title="Check-in")
        for name, text in (("Ada", "Zebra crossing at the school"), ("Bo", "a shared calendar"), ("Cy", "Monthly walks")):
            person = Person(display_name=name, lang="en", consent_at=created_at())
            s.add(person)
            await s.flush()
            s.add(Membership(person_id=person.id, partnership_id=p.id, organisation_id=org.id))
            response = await get_or_create_response(s, round_, person.id)  # type: ignore[arg-type]
            await save_answer(s, response.id, "ci.progress", FlowAnswer(text=text))  # type: ignore[arg-type]
            await save_answer(s, response.id, "ci.next", FlowAnswer(text=text))  # type: ignore[arg-type]
        await s.commit()
        shown = [x.text for x in await shared_answers(s, round_.id, "ci.progress", 3)]  # type: ignore[arg-type]
        await actions.from_checkin(s, p, round_)  # at the close, next steps become ideas: numbered in the same order
        ideas = [a.text for a in await actions.visible(s, p, coordinator=True, statuses=("proposed",))]
    # Who completed when is visible to coordinators; the order of the texts must not tell who wrote which.
    assert shown == ["a shared calendar", "Monthly walks", "Zebra crossing at the school"] == ideas


def created_at() -> datetime:
    return datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def test_the_schedule_skips_a_month_whose_check_in_is_open_already(db) -> None:
    from bot.handlers.settings import schedule_now

    with time_machine.travel(local(2027, 3, 1, 12, 0), tick=False):
        async with db.session() as s:
            p = await create_partnership(s, "Bydel Sør", k=3, lang="en")
            p.created_at = local(2027, 1, 1, 0, 0)
            p.checkin_day = "3"
            s.add(p)
            assert "Mar 3 10:00" in await schedule_now(s, p)
            await open_round(s, p, "checkin", title="March", audience="partners", period="2027-03")
            await s.commit()
            assert "Apr 3 10:00" in await schedule_now(s, p)  # March's is open: a second never opens


def test_a_due_date_or_snooze_in_months_is_the_same_day_of_the_month() -> None:
    from datetime import date

    from core.schedule import parse_due

    assert parse_due("1m", date(2026, 12, 15)) == date(2027, 1, 15)  # as people count, not 30 days
    assert parse_due("1 måned", date(2027, 1, 31)) == date(2027, 2, 28)  # the month's last day when shorter
    assert parse_due("2w", date(2026, 12, 15)) == date(2026, 12, 29)
    from core.schedule import later_by, zone

    oslo = zone("Europe/Oslo")  # /snooze 1m counts months the same way, on the partnership's clock
    assert later_by("1m", local(2027, 2, 8, 11, 30), oslo) == local(2027, 3, 8, 11, 30)
    assert later_by("1m", local(2027, 1, 31, 9, 0), oslo) == local(2027, 2, 28, 9, 0)
    assert later_by("2w", local(2027, 2, 8, 11, 30), oslo) == local(2027, 2, 22, 11, 30)


def test_the_first_weekday_is_never_a_public_holiday() -> None:
    from datetime import time

    from core.schedule import checkin_start

    assert checkin_start(2027, 1, "first-weekday", time(10, 0), OSLO) == local(2027, 1, 4, 10, 0)  # not Fri 1 Jan
    assert checkin_start(2026, 5, "first-weekday", time(10, 0), OSLO) == local(2026, 5, 4, 10, 0)  # not Fri 1 May
    assert checkin_start(2027, 3, "first-weekday", time(10, 0), OSLO) == local(2027, 3, 1, 10, 0)
    assert checkin_start(2029, 4, "first-weekday", time(10, 0), OSLO) == local(2029, 4, 3, 10, 0)  # not Easter Monday
    assert checkin_start(2020, 6, "first-weekday", time(10, 0), OSLO) == local(2020, 6, 2, 10, 0)  # not Whit Monday


def test_a_check_in_without_a_month_of_its_own_is_named_by_the_month_it_opened() -> None:
    from bot.summaries import checkin_title

    p = Partnership(name="Bydel Øst", slug="bydel-ost", timezone="Europe/Oslo")
    second = Round(partnership_id=1, instrument_id="checkin", instrument_version=2, number=2,
                   title="Monthly dialogue check-in #2", opened_at=local(2027, 2, 10, 9, 0))
    assert checkin_title("en", second, p) == "check-in for February 2027"  # not "check-in for Monthly dialogue …"
    second.title = "Extra check before the budget"
    assert checkin_title("en", second, p) == "Extra check before the budget"
    second.period = "2027-01"
    assert checkin_title("nb", second, p) == "Dialogsjekken for januar 2027"
    assert checkin_title("uk", second, p).endswith("січень 2027")  # the month's own name, no "р." before a full stop


async def test_messages_previewed_for_a_later_moment_count_days_from_then(db) -> None:
    from bot import summaries
    from storage.contacts import record_contact
    from storage.models import as_of

    async with db.session() as s:
        p = await create_partnership(s, "Bydel Vest", k=3, lang="en")
        org = await add_organisation(s, p, "Vest kommune", "municipality")
        await record_contact(s, org, "monthly", kind="meeting", source="partner")
        await s.commit()
        with as_of(datetime.now(UTC) + timedelta(days=9)):  # `samson due --at … --show` reads them as they would be
            details = (await summaries.summary_replies(s, p, "en", ""))[-1].text
    assert "Vest kommune: 9 days" in details and "today" not in details
