"""Residents as full participants on Telegram: three residents in Arabic, Somali and Ukrainian answer their own
instrument, and their voice is published beside the partners' profile."""

from __future__ import annotations

from bot import round_lifecycle
from bot.runtime import Runtime
from core.i18n import t
from core.instrument import load_instrument
from core.languages import LANGUAGE_NAMES
from storage.channels import bind_channel
from storage.db import Database
from storage.models import Partnership, Round
from storage.partnerships import add_organisation, create_invite, create_partnership
from tests.fakes.telegram_api import BOT_ID, FakeTelegram
from tests.seeding import completed_person
from tests.test_telegram import PNG, settings, tap_next

RESIDENTS = load_instrument("residents")
RESIDENTS_GROUP = -100555


async def _seed(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3, lang="en")
        residents = await add_organisation(s, p, "Innbyggere på Øst", "residents")
        kommune = await add_organisation(s, p, "Øst kommune", "municipality")
        await create_invite(s, p, organisation=residents, role="resident", code="BO-1")
        round_, _ = await round_lifecycle.open_(s, p, "samson", title="Spring 2027", audience="all")
        for n in range(3):
            await completed_person(s, round_, kommune.id, f"Partner {n}", seed=n)
        await s.commit()
    await db.close()


async def test_residents_answer_in_their_languages_and_are_shown_beside_the_partners(db_url: str) -> None:
    await _seed(db_url)
    fake = await FakeTelegram().start()
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        people = {7001: "ar", 7002: "so", 7003: "uk"}
        for uid, lang in people.items():
            user = fake.user(uid, f"Resident {lang}", language_code=lang)
            fake.say(user, "/start BO-1")
            consent = await fake.wait_for(lambda u=uid: fake.last_keyboard(u))
            assert t(lang, "consent.ask") in consent.text  # from the first message, in the Telegram client's language
            await tap_next(fake, user, "consent_yes")
            choices = [b["text"] for row in fake.last_keyboard(uid).keyboard for b in row]
            assert choices[0] == LANGUAGE_NAMES[lang] and "العربية" in choices and "ትግርኛ" in choices  # preselected
            await tap_next(fake, user, lang)
            question = fake.last_keyboard(uid)
            assert RESIDENTS.items[0].wording(lang) in question.text and "(1 " in question.text
            labels = [b["text"] for row in question.keyboard for b in row]
            assert labels[:10] == [str(v) for v in range(1, 11)]  # buttons for everything
            assert t(lang, "choice.na") in labels and t(lang, "choice.explain") in labels
            await tap_next(fake, user, "explain")
            assert any(RESIDENTS.items[0].explain.get(lang) in s.text for s in fake.to(uid))  # type: ignore[union-attr]
            for n, _item in enumerate(RESIDENTS.items):
                last = n == len(RESIDENTS.items) - 1
                await tap_next(fake, user, str(5 + n % 4), until="✅" if last else None)

        db = Database(db_url)
        async with db.session() as s:
            partnership = await s.get(Partnership, 1)
            parent = await s.get(Round, 1)
            fake.group(RESIDENTS_GROUP)
            await bind_channel(s, 1, "telegram", str(BOT_ID), str(RESIDENTS_GROUP), "residents", "en")
            await round_lifecycle.close(s, partnership, parent)  # type: ignore[arg-type]
            await s.commit()
        await db.close()
        # the residents' group gets the residents' own result (it got nothing from a round for everyone)
        chart = await fake.wait_for(lambda: next((m for m in fake.to(RESIDENTS_GROUP) if m.photo), None))
        assert chart.text == "Bydel Øst: " + t("en", "residents.chart_title", round="Spring 2027")  # theirs, said so
        text = await fake.wait_for(lambda: len(fake.to(RESIDENTS_GROUP)) > 1 and fake.to(RESIDENTS_GROUP)[1].text)
        assert RESIDENTS.fields[0].title.get("en") in text and "kind of organisation" not in text  # none for residents

        fake.say(fake.user(7001, "Resident ar", language_code="ar"), "/group")
        photos = await fake.wait_for(lambda: (found := [s for s in fake.to(7001) if s.photo]) and len(found) >= 3
                                     and found)
        assert all(p.photo.startswith(PNG) for p in photos)  # their own profile, the group's, and the residents'
        side_by_side = t("ar", "residents.side_by_side", partners=3, n=3)
        await fake.wait_for(lambda: any(side_by_side in s.text for s in fake.to(7001)))
        shown = "\n".join(s.text for s in fake.to(7001))
        partners_field = load_instrument("samson").fields[0].title
        assert partners_field.get("ar") in shown and partners_field.get("en") not in shown  # field names in Arabic
        assert not fake.errors
    finally:
        await runtime.stop()
        await fake.stop()


async def test_text_only_sends_each_chart_as_its_description(core, seed, user) -> None:
    from tests.conftest import close_as_coordinator, full_answers, join

    u = user("tekst")
    await join(u, seed.codes["kommune"])
    out = await u.say("pause", "/textonly")
    assert "text only, no images" in out
    out = await u.say("/resume", *full_answers(2))
    assert "[chart:" not in out and "Spider chart" in out  # the profile as words
    others = [user(name) for name in ("to", "tre")]
    for n, other in enumerate(others):
        await join(other, seed.codes["gronn"])
        await other.say(*full_answers(n))
    await close_as_coordinator(user("koordinator"), seed)
    out = await u.say("/group")
    assert "[chart:" not in out and out.count("Spider chart") == 1  # the group's chart as words, once
    assert "Images are back on" in await u.say("/textonly off")
    assert "[chart:" in await u.say("/results")
    assert "won't get any more reminders" in await u.say("/reminders off")
    assert "Usage: /reminders" in await u.say("/reminders maybe")


def test_a_coordinator_answers_with_a_resident_and_prints_the_paper_form(db_url: str, tmp_path, monkeypatch) -> None:
    import asyncio

    import pypdf
    from sqlmodel import select
    from typer.testing import CliRunner

    from bot.cli import app
    from storage.models import Answer, Person, Response

    async def prepare() -> None:
        db = Database(db_url)
        await db.migrate()
        async with db.session() as s:
            p = await create_partnership(s, "Bydel Øst", k=3)
            residents = await add_organisation(s, p, "Innbyggere på Øst", "residents")
            await create_invite(s, p, organisation=residents, role="resident", code="R-1", max_uses=1)
            await round_lifecycle.open_(s, p, "samson", title="Spring 2027", audience="all")
            await s.commit()
        await db.close()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    answers = "".join(f"{5 + n % 3}\n" for n in range(len(RESIDENTS.items)))
    out = runner.invoke(app, ["assist", "bydel-ost", "--invite", "R-1", "--name", "Amina", "--lang", "so"],
                        input="haa\n" + answers)  # consent in Somali; --lang means no language question
    assert out.exit_code == 0, out.output
    assert RESIDENTS.items[0].wording("so") in out.output and "✅" in out.output
    assert t("so", "err.not_number") not in out.output  # every line was taken as meant

    async def check() -> tuple[Person, Response, int]:
        db = Database(db_url)
        async with db.session() as s:
            person = (await s.exec(select(Person).where(Person.display_name == "Amina"))).one()
            response = (await s.exec(select(Response).where(Response.person_id == person.id))).one()
            n = len((await s.exec(select(Answer).where(Answer.response_id == response.id))).all())
        await db.close()
        return person, response, n

    person, response, n = asyncio.run(check())
    assert person.assisted and response.completed_at is not None and n == len(RESIDENTS.items)  # marked assisted

    out = runner.invoke(app, ["paper", "bydel-ost", "--lang", "ti", "--out", "form.pdf"])
    assert out.exit_code == 0, out.output
    text = "".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "form.pdf").pages)
    assert all(item.id in text for item in RESIDENTS.items)  # ids, to type the answers in later


async def test_a_resident_gets_one_reminder_outside_quiet_hours_and_can_stop_them(db) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlmodel import select

    from bot.outgoing import compose
    from bot.scheduler import run_tick
    from storage.models import Identity, Membership, Outbox, Person, utcnow

    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3)
        residents = await add_organisation(s, p, "Innbyggere", "residents")
        amina = Person(display_name="Amina", lang="en", consent_at=utcnow())
        s.add(amina)
        await s.flush()
        s.add(Membership(person_id=amina.id, partnership_id=p.id, organisation_id=residents.id, role="resident"))
        s.add(Identity(person_id=amina.id, platform="telegram", workspace="bot", user_id="501", dm_channel="501"))
        round_, _ = await round_lifecycle.open_(s, p, "samson", title="Spring 2027", audience="residents")
        round_id, opened = round_.id, round_.opened_at
        await s.commit()
    assert not [x for x in await run_tick(db, opened + timedelta(days=1)) if x.kind == "round_reminder"]
    late_evening = datetime(opened.year, opened.month, opened.day, 22, 30, tzinfo=UTC) + timedelta(days=4)
    planned = [x for x in await run_tick(db, late_evening) if x.kind == "round_reminder"]
    assert len(planned) == 1 and planned[0].not_before.astimezone(UTC).hour == 7  # 08:00 in Oslo, not at night
    assert not [x for x in await run_tick(db, late_evening + timedelta(days=2)) if x.kind == "round_reminder"]  # once
    async with db.session() as s:
        row = (await s.exec(select(Outbox).where(Outbox.kind == "round_reminder"))).one()
        reply = (await compose(s, row))[0]
        assert "still open" in reply.text and [c.value for c in reply.choices] == [f"/resume {round_id}", "/reminders off"]
        person = (await s.exec(select(Person).where(Person.display_name == "Amina"))).one()
        person.reminders_off = True  # what the "No more reminders" button does
        s.add(person)
        await s.commit()
        assert await compose(s, row) == []


async def _residents_round(db: Database) -> None:
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Nord", k=3)
        residents = await add_organisation(s, p, "Innbyggere i Nord", "residents")
        await create_invite(s, p, organisation=residents, role="resident", code="RES-1")
        await round_lifecycle.open_(s, p, "samson", title="Høst", audience="residents")
        await s.commit()


async def test_a_resident_reads_the_terms_and_answers_in_arabic_words(core, db, user) -> None:
    from sqlmodel import select

    from storage.models import ActionIdea

    await _residents_round(db)
    amina = user("amina")
    out = await amina.say("/start RES-1")
    assert "🌐" in out and "اللغة" in out and "ትግርኛ" not in out  # the terms in Norwegian, and a way out of them
    out = await amina.say("العربية")  # a language typed at the consent question: the terms again, in it
    assert t("ar", "consent.ask") in out and t("ar", "privacy.text", k=3)[:40] in out
    out = await amina.say("نعم")  # "yes" in Arabic
    assert t("ar", "consent.given") in out and t("ar", "lang.ask") not in out  # the language is not asked twice
    assert RESIDENTS.items[0].wording("ar") in out
    out = await amina.say("؟")  # the Arabic question mark: can't say
    assert RESIDENTS.items[1].wording("ar") in out
    assert "💡" in await amina.say("💡")  # an idea for action …
    out = await amina.say("إلغاء")  # … cancelled with the Arabic word
    assert RESIDENTS.items[1].wording("ar") in out and t("ar", "err.not_number") not in out
    async with db.session() as s:
        assert (await s.exec(select(ActionIdea))).all() == []
    await amina.say(*["7"] * (len(RESIDENTS.items) - 1))
    out = await amina.say("/results")
    assert t("ar", "results.mine") in out and "[chart:" in out  # their own profile, from the residents' instrument
    assert "؛ " in out and "; " not in out  # the chart's description lists the fields with the Arabic semicolon
    out = await amina.say("/erase")
    assert "/erase نعم" in out and t("ar", "erase.confirm_resident", yes="نعم") in out  # no contacts or actions of hers
    help_text = await amina.say("/help")
    assert "/resume" in help_text and "/contact" not in help_text and "/snooze" not in help_text  # not a partner's
    assert "/group survey" not in help_text and "/group residents" not in help_text and "/group compare" in help_text


async def test_lang_before_consent_shows_the_terms_again_in_that_language(core, db, user) -> None:
    await _residents_round(db)
    olena = user("olena")
    await olena.say("/start RES-1")
    out = await olena.say("/lang uk")
    assert t("uk", "consent.ask") in out
    assert t("uk", "privacy.text_resident", k=3) in out and "організація" not in out  # a resident's terms: no
    # organisation, no contact or actions recorded, no research question
    out = await olena.say("так")
    assert t("uk", "consent.given") in out and RESIDENTS.items[0].wording("uk") in out


def test_the_arabic_paper_form_keeps_the_scale_in_order() -> None:
    import io

    import pypdf

    from core.paper_form import render_paper_form

    form = render_paper_form(RESIDENTS, "ar", "Bydel Øst", "Høst")
    text = pypdf.PdfReader(io.BytesIO(form)).pages[0].extract_text()
    assert "1   2   3   4   5   6   7   8   9   10     ?" in text  # no "?10": the numbers read left to right
    assert RESIDENTS.items[0].id in text  # the id, to type the answers in later


async def test_a_round_for_residents_alone_is_shown_by_group_once_closed(core, db, user) -> None:
    from sqlmodel import select

    await _residents_round(db)
    olena = user("olena")
    await olena.say("/start RES-1", "ja", "/lang en")
    async with db.session() as s:
        round_ = (await s.exec(select(Round))).one()
        for n in range(3):
            await completed_person(s, round_, None, f"Resident {n}", seed=n, inputs=["7"] * len(RESIDENTS.items))
        await s.commit()
    assert t("en", "group.unpublished") in await olena.say("/group")
    async with db.session() as s:
        partnership = (await s.exec(select(Partnership))).one()
        round_ = (await s.exec(select(Round))).one()
        await round_lifecycle.close(s, partnership, round_)
        await s.commit()
    out = await olena.say("/group")
    assert "[chart:" in out and t("en", "group.unpublished") not in out  # what their last screen promised
    out = await olena.say("/group 9")  # the fields are listed in the words of the residents' own round
    assert RESIDENTS.fields[0].title.get("en") in out
    assert load_instrument("samson").fields[0].title.get("en") not in out


async def test_the_answer_the_intro_names_and_an_idea_typed_in_ukrainian_are_understood(core, db, user) -> None:
    import re

    from sqlmodel import select

    from storage.models import ActionIdea

    await _residents_round(db)
    for name, lang in (("amina", "ar"), ("olena", "uk"), ("faadumo", "so"), ("yonas", "ti")):
        person = user(name)
        await person.say("/start RES-1", f"/lang {lang}", t(lang, "word.yes"))
        named = re.search(r"[«\"](.+?)[»\"]", RESIDENTS.intro.get(lang)).group(1)  # type: ignore[union-attr]
        out = await person.say(named)  # "you can always answer «…»"
        assert RESIDENTS.items[1].wording(lang) in out and t(lang, "err.not_number") not in out, lang
    out = await user("olena").say("Ідея: вечірні зустрічі біля школи")
    assert t("uk", "err.not_number") not in out
    async with db.session() as s:
        assert [i.text for i in (await s.exec(select(ActionIdea))).all()] == ["вечірні зустрічі біля школи"]


async def test_partners_keep_their_profile_when_a_residents_round_is_newer(core, db, seed, user) -> None:
    from sqlmodel import select

    from storage.models import Organisation

    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        naboer = await add_organisation(s, p, "Naboer", "residents")
        await create_invite(s, p, organisation=naboer, role="resident", code="NAB-1")
        kommune = (await s.exec(select(Organisation).where(Organisation.name == "Øst kommune"))).one()
        spring = await s.get(Round, seed.round_id)
        for n in range(3):
            await completed_person(s, spring, kommune.id, f"Partner {n}", seed=n)
        await round_lifecycle.close(s, p, spring)
        winter, _ = await round_lifecycle.open_(s, p, "samson", title="Winter voices", audience="residents")
        for n in range(3):
            await completed_person(s, winter, naboer.id, f"Resident {n}", seed=n, inputs=["7"] * len(RESIDENTS.items))
        await round_lifecycle.close(s, p, winter)
        await s.commit()
    ada = user("ada")
    await ada.say(f"/start {seed.codes['kommune']}", "yes", "en")
    out = await ada.say("/group")  # the partners' profile, and where the residents' newer one is
    assert "Vår" in out and load_instrument("samson").fields[0].title.get("en") in out
    assert "The residents' own round \"Winter voices\" has a newer published result: /group residents" in out
    out = await ada.say("/group residents")
    assert "Winter voices" in out and RESIDENTS.fields[0].title.get("en") in out
    rita = user("rita")
    await rita.say("/start NAB-1", "ja", "/lang en")
    out = await rita.say("/group")  # residents see their own, newest round
    assert "Winter voices" in out and "/group residents" not in out


async def test_a_joint_round_is_refused_whole_while_the_residents_have_one_open(core, db, seed, user) -> None:
    from sqlmodel import func, select

    from storage.models import Outbox

    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        naboer = await add_organisation(s, p, "Naboer", "residents")
        await create_invite(s, p, organisation=naboer, role="resident", code="NAB-1")
        await round_lifecycle.close(s, p, await s.get(Round, seed.round_id))
        await round_lifecycle.open_(s, p, "samson", title="Innbyggerrunde", audience="residents")
        await s.commit()
    koordinator = user("koordinator")
    await koordinator.say(f"/start {seed.codes['coordinator']}", "yes", "en")
    async with db.session() as s:
        before = (await s.exec(select(func.count()).select_from(Outbox))).one()
    out = await koordinator.say("/round open all Joint")
    assert f'"Innbyggerrunde" of "{RESIDENTS.title.get("en")}" is already open' in out  # the instrument by its name
    assert "is open" not in out.replace("already open", "")
    out = await koordinator.say("/round status")  # nobody has joined as a resident: how people get in
    assert "0 of 0 have completed" in out and "Nobody is in it yet. Make an invite code with /invite ORGANISATION resident" in out
    async with db.session() as s:  # nothing opened and nobody invited: the refusal is the whole answer
        opened = (await s.exec(select(Round).where(Round.status == "open"))).all()
        assert [r.title for r in opened] == ["Innbyggerrunde"]
        assert (await s.exec(select(func.count()).select_from(Outbox))).one() == before


async def test_the_summary_after_a_joint_round_shows_the_residents_chart_in_its_thread(db, seed) -> None:
    from bot import summaries
    from storage.rounds import companions

    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        naboer = await add_organisation(s, p, "Naboer", "residents")
        kommune = await add_organisation(s, p, "Nord kommune", "municipality")
        await round_lifecycle.close(s, p, await s.get(Round, seed.round_id))
        joint, _ = await round_lifecycle.open_(s, p, "samson", title="Joint", audience="all")
        theirs = (await companions(s, joint))[0]
        for n in range(3):
            await completed_person(s, joint, kommune.id, f"Partner {n}", seed=n)
            await completed_person(s, theirs, naboer.id, f"Resident {n}", seed=n, inputs=["7"] * len(RESIDENTS.items),
                                   role="resident")
        await round_lifecycle.close(s, p, joint)
        replies = await summaries.summary_replies(s, p, "en", f"round-{joint.id}")  # type: ignore[arg-type]
        await s.commit()
    assert replies[0].image is not None
    assert '3 of 3 have answered "Joint"; 3 of 3 have answered "Joint (residents)"' in replies[0].text
    thread = replies[1:]
    assert all(r.thread == "summary" for r in thread)
    residents_chart = next(i for i, r in enumerate(thread) if r.image_name == "samson-residents.png")
    assert "How residents see it" in thread[residents_chart].text  # the chart comes before its text
    assert thread[residents_chart + 1].text.startswith(thread[residents_chart].image_alt or "?")


async def test_the_residents_result_lists_agreed_actions_under_their_own_field_names(core, db, seed, user) -> None:
    from datetime import date

    from bot import actions
    from storage.models import Person, utcnow

    samson = load_instrument("samson")
    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        naboer = await add_organisation(s, p, "Naboer", "residents")
        await round_lifecycle.close(s, p, await s.get(Round, seed.round_id))
        ada = Person(display_name="Ada", lang="en", consent_at=utcnow())
        s.add(ada)
        await s.flush()
        idea = await actions.add(s, p, ada, "Benches by the library")  # type: ignore[arg-type]
        await actions.agree(s, p, idea.id, "Øst kommune", date(2099, 3, 1), serves=samson.fields[1].id)  # type: ignore[arg-type]
        winter, _ = await round_lifecycle.open_(s, p, "samson", title="Winter voices", audience="residents")
        for n in range(3):
            await completed_person(s, winter, naboer.id, f"Resident {n}", seed=n, inputs=["7"] * len(RESIDENTS.items),
                                   role="resident")
        await round_lifecycle.close(s, p, winter)
        await s.commit()
    bo = user("bo")
    await bo.say(f"/start {seed.codes['kommune']}", "yes", "en", "pause")
    out = await bo.say("/group residents")
    assert f'Actions agreed for "{RESIDENTS.fields[1].title.get("en")}"' in out
    assert "Benches by the library" in out and samson.fields[1].title.get("en") not in out  # the partners' name not


async def test_group_residents_says_when_residents_never_had_a_round_of_their_own(seed, user) -> None:
    ada = user("ada")
    await ada.say(f"/start {seed.codes['kommune']}", "yes", "en", "pause")
    out = await ada.say("/group residents")  # not "published when the round closes": there is no such round
    assert "The residents have had no round of their own" in out and "when the round closes" not in out


async def test_the_monthly_check_in_digest_is_the_partners_not_shown_to_residents(core, db, user) -> None:
    await _residents_round(db)
    amina = user("amina")
    await amina.say("/start RES-1", "ja", "/lang en", "pause")
    assert "The monthly check-in is the partners' own" in await amina.say("/group checkin")
