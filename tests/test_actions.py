"""The action register: an idea becomes an agreed action, is followed up when overdue, and is done."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot import actions
from bot.actions import ActionError
from bot.outgoing import compose
from bot.scheduler import run_tick
from bot.summaries import summary_replies
from storage.db import Database
from storage.models import Action, ActionStatus, Outbox, Partnership, Person, utcnow
from tests.conftest import ScriptedUser, Seed, join


async def _people(core, seed: Seed, tmp_path: Path) -> tuple[ScriptedUser, ScriptedUser, ScriptedUser]:
    coordinator = ScriptedUser(core, "koord", tmp_path / "k")
    await coordinator.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    kari = ScriptedUser(core, "kari", tmp_path / "kari")  # Grønn Vekst AS
    await join(kari, seed.codes["gronn"])
    await kari.say("pause")
    ola = ScriptedUser(core, "ola", tmp_path / "ola")  # Øst kommune
    await join(ola, seed.codes["kommune"])
    await ola.say("pause")
    return coordinator, kari, ola


def _number(out: str) -> int:
    return int(re.search(r"#(\d+)", out).group(1))  # type: ignore[union-attr]


async def test_an_idea_is_agreed_followed_up_when_overdue_and_done(core, db: Database, seed: Seed, tmp_path) -> None:
    coordinator, kari, ola = await _people(core, seed, tmp_path)
    out = await ola.say("/action add Felles møteplass hver måned")
    assert "Saved as idea #" in out
    number = _number(out)
    assert "Felles møteplass hver måned (ola)" in await kari.say("/ideas")  # added by hand: shared with the name
    assert "Only coordinators" in await kari.say(f"/action agree {number} Grønn Vekst AS 2w 2")

    assert "not a date" in await coordinator.say(f"/action agree {number} Grønn Vekst AS soon")
    out = await coordinator.say(f"/action agree {number} Grønn Vekst AS 2025-01-01 2")  # about the date, not the "2"
    assert "2025-01-01 has passed: a due date is today or later" in out and "'2'" not in out
    assert "There is no organisation \"Nobody AS\"" in await coordinator.say(f"/action agree {number} Nobody AS 2w")
    out = await coordinator.say(f"/action agree {number} Grønn Vekst AS 2w field 2")  # "field" (felt, fält) may go first
    assert f"Action #{number} is agreed" in out
    listing = await kari.say("/actions")
    assert "Felles møteplass" in listing and "Grønn Vekst AS" in listing and "2 Working towards shared goals" in listing
    assert "✅ Done" in listing and "▶ In progress" in listing  # buttons to move it on
    assert "Only the owner" in await ola.say(f"/action {number} done")  # Øst kommune does not own it
    assert "✅ Done" not in await ola.say("/actions")  # so no buttons for Ola to press

    # Past its date, the owner is reminded once, outside quiet hours.
    async with db.session() as s:
        action = await s.get(Action, number)
        action.due_on = utcnow().date() - timedelta(days=3)  # type: ignore[union-attr]
        s.add(action)
        await s.commit()
    later = utcnow() + timedelta(hours=1)
    planned = [p for p in await run_tick(db, later) if p.kind == "action_reminder"]
    assert len(planned) == 1
    assert not [p for p in await run_tick(db, later + timedelta(minutes=5)) if p.kind == "action_reminder"]
    async with db.session() as s:
        row = (await s.exec(select(Outbox).where(Outbox.kind == "action_reminder"))).one()
        replies = await compose(s, row)
        assert "was due on" in replies[0].text and {c.value for c in replies[0].choices} >= {f"/action {number} done"}
        partnership = await s.get(Partnership, seed.partnership_id)
        summary = "\n".join(r.text for r in await summary_replies(s, partnership, "en", "weekly"))  # type: ignore[arg-type]
    assert "1 newly agreed" in summary and "1 overdue" in summary

    out = await kari.say(f"/action {number} done")  # the button's value, as a tap sends it
    assert "done" in out
    assert "No open actions" in await kari.say("/actions")
    out = await coordinator.say(f"/action agree {number} Grønn Vekst AS 2w")  # done: not "already agreed"
    assert f"#{number} is already done" in out and "/action add" in out
    async with db.session() as s:
        replies = await compose(s, row)
    assert replies == []  # done meanwhile: the reminder is no longer sent


async def test_ideas_after_statements_keep_their_authors_choice(core, db: Database, seed: Seed, tmp_path) -> None:
    coordinator, kari, ola = await _people(core, seed, tmp_path)
    await kari.say("/resume", "5", "5", "5", "5", "idea: Bytt på å lede møtene", "coordinators")
    await ola.say("/resume", "5", "5", "5", "5", "idea: Felles kalender", "anonymous")
    # A coordinators-only idea is seen by coordinators only; an anonymous one by partners only from k contributors
    # (2 of 3 here), by coordinators at once, marked as not shared yet.
    assert "No ideas waiting" in await ola.say("/ideas")
    listing = await coordinator.say("/ideas")
    assert "Bytt på å lede møtene" in listing and "(kari)" not in listing and "(ola)" not in listing
    assert "Felles kalender · idea · 🔒 Not shared yet" in listing
    assert "Agree one: /action agree" in listing
    async with db.session() as s:
        entry = (await s.exec(select(Action).where(Action.text == "Bytt på å lede møtene"))).one()
        assert entry.author_id is not None and entry.source == "idea"
        number = entry.id  # type: ignore[assignment]
    out = await coordinator.say(f"/action agree {number} Øst kommune 1m")  # her choice holds: never shown to all
    assert f"Idea #{number} was shared with coordinators only" in out and "/action add" in out
    async with db.session() as s:
        assert (await s.get(Action, number)).status == "proposed"  # type: ignore[union-attr]
    assert "Bytt på å lede møtene" not in await ola.say("/actions")
    mine = _number(await coordinator.say("/action add Rotate who chairs the meetings"))  # in the coordinator's words
    out = await coordinator.say(f"/action agree {mine} Bydel Nord 1m")  # a typo'd owner: the ones there are
    assert 'There is no organisation "Bydel Nord" in "Bydel Øst". Organisations: Øst kommune, Grønn Vekst AS' in out
    await coordinator.say(f"/action agree {mine} øst 1m")  # a part of one name is enough, as with /contact
    assert "Rotate who chairs the meetings" in await ola.say("/actions")  # agreed: the partnership's
    async with db.session() as s:
        hidden = (await s.exec(select(Action).where(Action.text == "Felles kalender"))).one().id
    out = await coordinator.say(f"/action agree {hidden} Øst kommune 1m")  # held back: it cannot be made public yet
    assert f"Idea #{hidden} is to be shared without a name once 3 people have given ideas" in out
    async with db.session() as s:
        assert (await s.get(Action, hidden)).status == "proposed"  # type: ignore[union-attr]


async def test_a_change_from_an_older_view_is_refused_and_erasure_keeps_agreed_actions(
        db: Database, seed: Seed) -> None:
    async with db.session() as s:
        partnership = await s.get(Partnership, seed.partnership_id)
        person = Person(display_name="Ada", lang="en", consent_at=utcnow())
        s.add(person)
        await s.flush()
        idea = await actions.add(s, partnership, person, "Ryddigere referater")  # type: ignore[arg-type]
        other = await actions.add(s, partnership, person, "Kun en idé")  # type: ignore[arg-type]
        await actions.agree(s, partnership, idea.id, "Øst kommune", utcnow().date() + timedelta(days=7))  # type: ignore[arg-type]
        seen = idea.version
        await actions.set_status(s, partnership, person, idea.id, ActionStatus.in_progress, coordinator=True)  # type: ignore[arg-type]
        try:
            await actions.set_status(s, partnership, person, idea.id, ActionStatus.dropped, coordinator=True,  # type: ignore[arg-type]
                                     seen_version=seen)
            raise AssertionError("a stale change was applied")
        except ActionError as exc:
            assert exc.key == "action.changed_meanwhile"
        from storage.people import erase_person

        await erase_person(s, person)
        await s.commit()
        kept = await s.get(Action, idea.id)
        assert kept is not None and kept.author_id is None and kept.status == ActionStatus.in_progress.value
        assert await s.get(Action, other.id) is None  # an idea nobody agreed goes with its author


async def test_the_owner_marks_an_action_done_with_a_button_on_telegram(db_url: str) -> None:
    from bot.runtime import Runtime
    from storage.partnerships import add_organisation, create_invite, create_partnership
    from tests.fakes.telegram_api import FakeTelegram
    from tests.test_telegram import settings, tap_next

    fake = await FakeTelegram().start()
    database = Database(db_url)
    await database.migrate()
    async with database.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3)
        gronn = await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise")
        await create_invite(s, p, organisation=gronn, role="partner", code="GV-1")
        await create_invite(s, p, role="coordinator", code="KOORD-1")
        await s.commit()
    await database.close()
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        coordinator, kari = fake.user(4000, "Koord", "en"), fake.user(4001, "Kari", "en")
        for user, code in ((coordinator, "KOORD-1"), (kari, "GV-1")):
            fake.say(user, f"/start {code}")
            await tap_next(fake, user, "consent_yes")
            await tap_next(fake, user, "en", until="no open round")
        fake.say(kari, "/action add Felles kalender for alle partnere")
        added = await fake.wait_for(lambda: next((m for m in fake.to(4001) if "Saved as idea #" in m.text), None))
        number = _number(added.text)
        fake.say(coordinator, f"/action agree {number} Grønn Vekst AS 1m")
        await fake.wait_for(lambda: any("is agreed" in m.text for m in fake.to(4000)))
        fake.say(kari, "/actions")
        listed = await fake.wait_for(lambda: next((m for m in fake.to(4001) if "Felles kalender" in m.text
                                                   and m.keyboard), None))
        values = [b["callback_data"] for row in listed.keyboard for b in row]
        assert f"v|/action {number} done" in values and all(len(v.encode()) <= 64 for v in values)
        fake.tap(kari, listed, f"/action {number} done")
        await fake.wait_for(lambda: any(f"#{number}" in m.text and ": done." in m.text for m in fake.to(4001)))
        assert not fake.errors
    finally:
        await runtime.stop()
        await fake.stop()


async def test_the_checkin_asks_owners_about_their_actions_and_counts_as_contact(
        core, db: Database, seed: Seed, tmp_path) -> None:
    from bot import round_lifecycle
    from storage.models import Contact, Organisation, Round

    coordinator, kari, ola = await _people(core, seed, tmp_path)
    number = _number(await ola.say("/action add Felles kalender"))
    await coordinator.say(f"/action agree {number} Grønn Vekst AS 2w")
    async with db.session() as s:
        partnership = await s.get(Partnership, seed.partnership_id)
        samson = await s.get(Round, seed.round_id)
        await round_lifecycle.close(s, partnership, samson)  # type: ignore[arg-type]
        await round_lifecycle.open_(s, partnership, "checkin", title="2026-12", audience="partners")  # type: ignore[arg-type]
        await s.commit()
    before = utcnow()
    out = await kari.say("/resume", "weekly", "close", "4", "Kalenderen er på plass", "skip", "Invitere biblioteket")
    assert "(1 of 6)" in out and "Thank you!" in out
    assert 'Your organisation took on "Felles kalender"' in out and "Is it done?" in out and "✅ Done" in out
    assert ": done." in await kari.say(f"/action {number} done")
    out = await coordinator.say("/round close innsjekk now")  # the digest comes to the coordinator who closed it
    assert "is closed (1 completed)" in out and "Participation by organisation" in out
    listing = await coordinator.say("/ideas")  # one writer, under k: the coordinators see it, marked as theirs only
    assert "Invitere biblioteket" in listing and "🔒" in next(x for x in listing.split("\n") if "Invitere biblioteket" in x)
    assert "Invitere biblioteket" not in await kari.say("/ideas")
    assert "Participation by organisation" in await ola.say("/group innsjekk")
    async with db.session() as s:
        contact = (await s.exec(select(Contact).where(Contact.source == "checkin"))).one()
        org = await s.get(Organisation, contact.organisation_id)
    # Answering is the contact, whatever was answered: a date from "weekly or more" would tell colleagues and
    # coordinators (who see the days since contact) what she answered.
    assert before <= contact.at <= utcnow() and contact.kind == "checkin"
    assert org.contact_due_at > utcnow()  # type: ignore[union-attr,operator]  # meeting the frequency: not overdue
    assert org.name == "Grønn Vekst AS" and org.contact_due_at is not None  # type: ignore[union-attr]
    await ola.say("/action add Felles dugnad i mai")
    async with db.session() as s:  # the weekly summary lists every new idea: typed ones and check-in next steps too
        summary = (await summary_replies(s, await s.get(Partnership, seed.partnership_id), "en", "weekly"))[-1].text  # type: ignore[arg-type]
    assert "Felles dugnad i mai (ola)" in summary and "Invitere biblioteket" in summary
    assert "(none new)" not in summary


async def test_an_idea_on_a_survey_item_serves_its_success_factor(core, db: Database, seed: Seed, tmp_path) -> None:
    from bot import round_lifecycle
    from storage.models import Round
    from tests.survey_answers import SURVEY, survey_inputs

    coordinator, kari, _ola = await _people(core, seed, tmp_path)
    async with db.session() as s:
        partnership = await s.get(Partnership, seed.partnership_id)
        await round_lifecycle.close(s, partnership, await s.get(Round, seed.round_id))  # type: ignore[arg-type]
        await round_lifecycle.open_(s, partnership, "survey")  # type: ignore[arg-type]
        await s.commit()
    at = next(i for i, item in enumerate(SURVEY.items) if item.id == "q26")
    await kari.say("/resume", *survey_inputs(likert=4, barrier=50)[:at])
    out = await kari.say("idea: Bedre oppstartsmøter", "named")
    assert "Idea saved" in out
    listing = await coordinator.say("/ideas")
    assert "Bedre oppstartsmøter (kari)" in listing
    async with db.session() as s:
        number = (await s.exec(select(Action).where(Action.text == "Bedre oppstartsmøter"))).one().id
    await coordinator.say(f"/action agree {number} Grønn Vekst AS 1m")
    async with db.session() as s:
        assert (await s.get(Action, number)).serves == "history"  # type: ignore[union-attr]


async def test_a_digest_counts_actions_since_the_previous_digest_and_keeps_its_counts(db: Database, seed: Seed) -> None:
    from bot import round_lifecycle
    from bot.summaries import compose_digest
    from storage.models import Round

    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        await round_lifecycle.close(s, p, await s.get(Round, seed.round_id))  # type: ignore[arg-type]
        person = Person(display_name="Ada", lang="en", consent_at=utcnow())
        s.add(person)
        await s.flush()
        january, _ = await round_lifecycle.open_(s, p, "checkin", title="January", audience="partners")  # type: ignore[arg-type]
        idea = await actions.add(s, p, person, "Ryddigere referater")  # type: ignore[arg-type]
        await actions.agree(s, p, idea.id, "Øst kommune", utcnow().date() + timedelta(days=7))  # type: ignore[arg-type]
        await actions.set_status(s, p, person, idea.id, ActionStatus.done, coordinator=True)  # type: ignore[arg-type]
        await round_lifecycle.close(s, p, january)  # type: ignore[arg-type]
        february, _ = await round_lifecycle.open_(s, p, "checkin", title="February", audience="partners")  # type: ignore[arg-type]
        await round_lifecycle.close(s, p, february)  # type: ignore[arg-type]
        later = await actions.add(s, p, person, "Felles kalender")  # type: ignore[arg-type]
        await actions.agree(s, p, later.id, "Øst kommune", utcnow().date() + timedelta(days=7))  # type: ignore[arg-type]
        await s.commit()
        first = (await compose_digest(s, {"round_id": january.id, "lang": "en"}, None))[0].text
        second = (await compose_digest(s, {"round_id": february.id, "lang": "en"}, None))[0].text
    assert "1 newly agreed and 1 done since last time" in first  # shown again later: what it counted then
    assert "0 newly agreed and 0 done since last time" in second  # not January's again, nor what came after
