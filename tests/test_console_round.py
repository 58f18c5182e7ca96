"""Scripted console scenarios through the real bot core and database."""

from __future__ import annotations

import json

from PIL import Image
from sqlmodel import func, select

from bot.events import Event, EventKind
from storage.models import Action, ActionIdea, Answer, Contact, Identity, Invite, Membership, Partnership, Person, Response, Round
from storage.rounds import open_round, participation
from tests.conftest import close_as_coordinator, full_answers, join


async def test_three_partners_group_profile_appears_at_third(user, seed, db) -> None:
    anna, bo, cecilie = user("anna"), user("bo"), user("cecilie")
    out = await join(anna, seed.codes["kommune"], "en")
    assert "Du er med i «Bydel Øst» for Øst kommune" in out  # no locale hint: nb until chosen
    assert "Personvern:" in out and "Your language is now English" in out and "(1 of 54)" in out
    assert "Ideer: hver gang velger du hvem som ser dem" in out  # the terms say who sees ideas, as it works
    out = await anna.say(*full_answers(0))
    assert "Thank you! You have been through all 54 questions." in out
    assert "[chart: " in out and "Your profile (only you can see this)" in out
    assert "The group profile is published when the round closes" in out
    assert Image.open(anna.adapter.saved[-1]).format == "PNG"

    await join(bo, seed.codes["gronn"], "sv")
    out = await bo.say(*full_answers(1))
    assert "Gruppprofilen publiceras när omgången avslutas" in out
    assert "Ingen gruppprofil är publicerad ännu" in await bo.say("/group")

    await join(cecilie, seed.codes["gronn"], "nb")
    out = await cecilie.say(*full_answers(2))
    assert "Gruppeprofilen publiseres når runden avsluttes" in out
    assert "Gruppeprofil over" not in out and len(cecilie.adapter.saved) == 1  # only her own chart
    assert "Ingen gruppeprofil er publisert ennå" in await cecilie.say("/group")  # never a live figure

    await close_as_coordinator(user("koordinator"), seed)
    out = await cecilie.say("/group")
    assert "Gruppeprofil over 3 besvarelser" in out and "Bydel Øst: SAMSON-profil, Vår" in out
    # the first partner sees the same published snapshot, in English; one municipality respondent: no breakdown
    out = await anna.say("/group")
    assert "Group profile over 3 responses" in out
    assert "The breakdown by kind of organisation appears once each kind and the rest have at least 3" in out
    assert "Municipality:" not in out
    async with db.session() as s:
        completed = (await s.exec(select(func.count()).select_from(Response).where(Response.completed_at.is_not(None)))).one()
        assert completed == 3
    koordinator = user("koordinator")  # a round closed with no answers leaves the earlier result standing
    await koordinator.say("/round open Høst")
    assert "The earlier published result still stands" in await koordinator.say("/round close")
    assert "Group profile over 3 responses" in await anna.say("/group")


async def test_action_idea_back_and_results(user, seed, db) -> None:
    u = user("dag")
    await join(u, seed.codes["kommune"])
    out = await u.say("8", "7", "6", "9", "idea", "Meet at the library, not the town hall")
    assert "Who may see this idea?" in out and "b) Everyone, without my name" in out
    out = await u.say("b", "7")
    assert "Idea saved. The coordinators see it now, without your name; everyone else once enough" in out and "(6 of 54)" in out
    out = await u.say("back")
    assert "(5 of 54)" in out and "(Your answer so far: 7)" in out
    await u.say("3")
    out = await u.say("/results")
    assert "Your profile" in out and "haven't answered everything yet" in out
    async with db.session() as s:
        idea = (await s.exec(select(ActionIdea))).one()
        assert idea.item_id == "eq.trust" and idea.text.startswith("Meet at the library")
        assert idea.sharing == "anonymous"
        trust = (await s.exec(select(Answer).where(Answer.item_id == "eq.trust"))).one()
        assert trust.number == 3  # changed after going back, still one row


async def test_same_update_key_twice_stores_one_answer(core, user, seed, db) -> None:
    u = user("eva")
    await join(u, seed.codes["kommune"])
    event = Event("console", "local", "console:eva", "eva", EventKind.TEXT, "7", update_key="upd-1")
    first = await core.handle(event)
    second = await core.handle(event)
    assert first and "(2 of 54)" in first[-1].text
    assert second == []
    third = await core.handle(Event("console", "local", "console:eva", "eva", EventKind.TEXT, "8", update_key="upd-2"))
    assert "(3 of 54)" in third[-1].text
    async with db.session() as s:
        rows = (await s.exec(select(Answer).order_by(Answer.item_id))).all()
        assert [(r.item_id, r.number) for r in rows] == [("w.democracy", 8.0), ("w.openness", 7.0)]


async def test_bad_inputs_get_clear_replies_and_store_nothing(user, seed, db) -> None:
    u = user("finn")
    await join(u, seed.codes["kommune"])
    await u.say("5", "5", "5", "5")  # weights; now on the first 1–10 statement
    cases = [
        ("11", "11 is outside the scale. Please answer with a whole number from 1 to 10"),
        ("good", "That wasn't a number."),
        ("", "I didn't get an answer."),
        ("x" * 10_240, "That wasn't a number."),
        ("/frobnicate", "Unknown command \"/frobnicate\". Type /help"),
    ]
    for line, expected in cases:
        out = await u.say(line)
        assert expected in out, (line[:20], out)
        assert len(out) < 2000
    out = await u.say("/frobnicate")
    assert "You're in the middle of a round: type /resume to see your question again." in out
    assert "(5 of 54)" in await u.say("/resume")
    out = await u.say("/" + "z" * 10_240)
    assert "Unknown command" in out and len(out) < 500
    out = await u.say("7,5")  # a number, not a whole one: no "that wasn't a number"
    assert "Please answer with a whole number from 1 to 10" in out and "wasn't a number" not in out
    async with db.session() as s:
        rows = (await s.exec(select(Answer))).all()
        assert len(rows) == 4 and all(r.item_id.startswith("w.") for r in rows)
        response = (await s.exec(select(Response))).one()
        assert response.position == 4
    assert "(6 of 54)" in await u.say("7")


async def test_onboarding_errors(user, seed) -> None:
    u = user("gro")
    assert "Du er ikke med i noe partnerskap" in await u.say("/resume")
    assert "ukjent, utløpt eller brukt opp" in await u.say("/start NOPE-NOPE")
    out = await u.say(f"/start {seed.codes['kommune']}", "maybe")
    assert "Svar «ja» eller «nei»" in out
    out = await u.say("ja", "klingon")
    assert "Det språket kjenner jeg ikke" in out and "Svenska" in out and "العربية" in out  # each in its own name
    out = await u.say("sv")
    assert "Språket är nu svenska" in out and "(1 av 54)" in out
    assert "Du kan när som helst" in await u.say("/privacy")
    assert "/resume" in await u.say("/help")


async def test_declined_consent_leaves_no_membership_and_frees_the_invite(user, seed, db) -> None:
    u = user("hans")
    out = await u.say(f"/start {seed.codes['kommune']}", "no")
    assert "du er ikke med, og ingenting om deg blir brukt" in out
    assert "Du er ikke med i noe partnerskap" in await u.say("/resume")
    async with db.session() as s:
        assert (await s.exec(select(Response))).all() == []
        assert (await s.exec(select(Membership))).all() == []
        assert (await s.exec(select(Invite).where(Invite.code == seed.codes["kommune"]))).one().uses == 0
        assert (await s.exec(select(Person).where(Person.display_name == "hans"))).all() == []  # nor their name
    # changing their mind later works with the same code
    assert "(1 av 54)" in await u.say(f"/start {seed.codes['kommune']}", "ja", "nb")


async def test_nothing_is_stored_or_done_for_a_member_before_they_agree_to_the_terms(user, seed, db) -> None:
    u = user("tor")
    await u.say(f"/start {seed.codes['kommune']}", "en")  # the language first: the terms are on screen, unanswered
    for command in ("/action add More light in the park", "/contact Grønn Vekst AS meeting", "/snooze 2w", "/ideas"):
        out = await u.say(command)
        assert f"Before {command.split()[0]}: please read the terms below and say whether you agree." in out, out
        assert "Do you agree?" in out and "the organisation you represent" in out  # a partner's terms
    assert "Here is what you can do" in await u.say("/help")  # help, privacy, erase and the like stay open
    assert "Do you agree?" not in await u.say("/reminders off")  # asking for fewer messages always works
    async with db.session() as s:
        assert (await s.exec(select(ActionIdea))).all() == [] and (await s.exec(select(Contact))).all() == []
        assert (await s.exec(select(Action))).all() == []
        assert (await s.exec(select(Person).where(Person.display_name == "tor"))).one().snoozed_until is None
    out = await u.say("yes")
    assert "Thank you! Your consent is recorded." in out and "(1 of 54)" in out
    assert "Saved as idea #1" in await u.say("pause", "/action add More light in the park")


async def test_a_language_typed_at_the_terms_shows_them_in_it(user, seed) -> None:
    u = user("lisa")
    await u.say(f"/start {seed.codes['kommune']}")
    out = await u.say("🌐 Svenska")  # as the language button reads
    assert "Språket är nu svenska" in out and "Godkänner du detta?" in out
    out = await u.say("ja")
    assert "Tack! Ditt samtycke är registrerat" in out and "(1 av 54)" in out and "Välj språk" not in out


async def test_lang_command_switches_mid_round(user, seed) -> None:
    u = user("ida")
    await join(u, seed.codes["kommune"], "en")
    await u.say("7")
    out = await u.say("/lang sv")  # the question again, in the new language
    assert "Språket är nu svenska" in out and "Välkommen tillbaka! Du fortsätter på fråga 2 av 54" in out
    assert "(2 av 54) Demokrati:" in out
    out = await u.say("/lang", "/lang en", "7")  # typed while the list is open: the round goes on
    assert "(2 of 54) Democracy:" in out and "(3 of 54)" in out
    assert "This question can't be skipped" in await u.say("skip")
    out = await u.say("pause", "/lang nb")  # a pause stays a pause until /resume
    assert "Språket er nå norsk" in out and "(3 av 54)" not in out
    assert "(4 av 54)" in await u.say("/resume", "7")


async def test_export_and_erase(user, seed, db) -> None:
    u = user("jon")
    await join(u, seed.codes["kommune"])
    await u.say("6", "6")
    out = await u.say("/export")
    assert "Responses: 1 · answers: 2 · ideas: 0 · actions: 0 · contacts you recorded: 0" in out
    data = json.loads(u.adapter.saved[-1].read_text(encoding="utf-8"))
    assert u.adapter.saved[-1].name.startswith("samson-my-data-20")  # dated: a later copy keeps the earlier one
    assert "Øst kommune" in u.adapter.saved[-1].read_text(encoding="utf-8")  # readable, not \u00d8
    assert data["memberships"] == [{"partnership": "Bydel Øst", "organisation": "Øst kommune", "role": "partner"}]
    first = data["responses"][0]["answers"][0]
    assert first["answer"] == 6.0 and first["item"] == "w.openness"
    assert first["statement"].startswith("Openness: everyone can contribute")
    out = await u.say("pause", "/erase")
    assert "/erase yes" in out and "a) 🗑 Yes   b) Cancel" in out  # typed, or a button
    assert "contacts you recorded" in out and "An agreed action stays with the partnership, without your name" in out
    assert "OK, nothing was changed." in await u.say("no")  # a typed "no" keeps everything too
    out = await u.say("/erase", "yes")  # a bare "yes" never erases, and says what does
    assert "Nothing was done" in out and "type /erase yes" in out and "not waiting for an answer" not in out
    await u.say("/resume")
    out = await u.say("/erase")
    out = await u.say("b")
    assert "Nothing was deleted" in out and "type /resume to see your question again" in out
    assert "(3 of 54)" in await u.say("/resume")
    exported = u.adapter.saved[-1]
    u = user("jon")  # the local chat opened again: files an earlier run saved for them go too
    assert "Everything has been deleted" in await u.say("/erase", "a")
    assert not exported.exists() and exported.parent.name == "jon"
    async with db.session() as s:
        assert (await s.exec(select(Answer))).all() == []
        assert (await s.exec(select(Response))).all() == []
    assert "Du er ikke med i noe partnerskap" in await u.say("/resume")
    assert "Skriv /start KODE" in await u.say("hei")  # not "type /resume": they have to join first
    async with db.session() as s:  # writing again after /erase stores nothing about them
        assert (await s.exec(select(Person).where(Person.display_name == "jon"))).all() == []
        assert (await s.exec(select(Identity).where(Identity.user_id == "jon"))).all() == []


async def test_export_holds_ideas_actions_and_contacts_and_erase_leaves_a_dialogue_nameless(user, seed, db) -> None:
    from storage.models import DialogueSession

    u = user("liv")
    await join(u, seed.codes["kommune"])
    await u.say("8", "7", "6", "9", "idea", "Meet at the library", "c")
    await u.say("/action add A shared calendar", "/contact Grønn Vekst AS call")
    out = await u.say("/export")
    assert "Responses: 1 · answers: 4 · ideas: 1 · actions: 1 · contacts you recorded: 1" in out
    data = json.loads(u.adapter.saved[-1].read_text(encoding="utf-8"))
    idea = data["responses"][0]["action_ideas"][0]
    assert idea["text"] == "Meet at the library" and idea["shared"] == "coordinators" and idea["statement"]
    assert "Meet at the library" not in json.dumps(data["actions"])  # counted once, under its response
    assert [(a["text"], a["you_are"], a["status"]) for a in data["actions"]] == [("A shared calendar", "author", "proposed")]
    assert [(sorted(c["between"]), c["kind"]) for c in data["contacts"]] == [(["Grønn Vekst AS", "Øst kommune"], "call")]
    async with db.session() as s:  # as if Liv had started a live dialogue in a channel
        round_id = (await s.exec(select(Round.id))).first()
        person_id = (await s.exec(select(Response.person_id))).one()
        s.add(DialogueSession(partnership_id=seed.partnership_id, round_id=round_id, platform="console",
                              workspace="local", channel="group", started_by=person_id))
        await s.commit()
    assert "Everything has been deleted" in await u.say("/erase", "a")
    async with db.session() as s:
        assert (await s.exec(select(DialogueSession.started_by))).one() is None
        assert (await s.exec(select(ActionIdea))).all() == []


async def test_a_round_closed_empty_is_not_an_earlier_result(user, seed) -> None:
    koordinator = user("koordinator")
    await koordinator.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    out = await koordinator.say("/round close now")  # opened by mistake: nobody answered
    assert "No new figures could be published" in out and "earlier published result" not in out
    await koordinator.say("/round open Høst")
    for i, name in enumerate(("ada", "bo", "cy")):
        person = user(name)
        await join(person, seed.codes["kommune" if i == 0 else "gronn"])
        await person.say(*full_answers(i))
    await koordinator.say("/round close now")
    out = await user("ada").say("/group compare")
    assert "There is no earlier published SAMSON round to compare with yet" in out


async def test_closed_round_rejects_answers(user, seed, db) -> None:
    from storage.partnerships import get_partnership
    from storage.rounds import close_round, get_round

    u = user("kim")
    await join(u, seed.codes["kommune"])
    async with db.session() as s:
        await close_round(s, await get_round(s, await get_partnership(s, seed.partnership_id)))
        await s.commit()
    out = await u.say("7")
    assert "This round has closed" in out
    async with db.session() as s:
        assert (await s.exec(select(Answer))).all() == []


async def test_an_idea_begun_before_the_round_closes_is_kept(user, seed, db) -> None:
    from storage.partnerships import get_partnership
    from storage.rounds import close_round, get_round

    u, v = user("iris"), user("jon")
    for person in (u, v):
        await join(person, seed.codes["kommune"])
        await person.say("8", "7", "6", "9", "idea")
    await v.say("Benches by the bus stop")  # Jon has typed his idea and is choosing who sees it
    async with db.session() as s:
        await close_round(s, await get_round(s, await get_partnership(s, seed.partnership_id)))
        await s.commit()
    out = await u.say("Meet at the library, not the town hall")
    assert "Who may see this idea?" in out and "This round has closed" not in out
    out = await u.say("a")
    assert "Idea saved: Everyone, with my name." in out and "there are no more statements" in out
    assert "(6 of 54)" not in out
    out = await v.say("cancel")
    assert "kept for the coordinators only" in out and "there are no more statements" in out
    assert "(6 of 54)" not in await u.say("7")  # no more statements after the close
    async with db.session() as s:
        ideas = {idea.text: idea.sharing for idea in (await s.exec(select(ActionIdea))).all()}
    assert ideas == {"Meet at the library, not the town hall": "named", "Benches by the bus stop": None}


async def test_an_idea_left_unfinished_is_asked_for_again_after_the_round_closed(user, seed, db) -> None:
    from storage.partnerships import get_partnership
    from storage.rounds import close_round, get_round

    kim = user("kim")
    await join(kim, seed.codes["kommune"])
    await kim.say("8", "7", "6", "9", "idea", "Benches by the bus stop", "pause")  # left at the sharing question
    async with db.session() as s:
        await close_round(s, await get_round(s, await get_partnership(s, seed.partnership_id)))
        await s.commit()
    out = await kim.say("/resume")  # what opening the chat again sends
    assert 'The round "Vår" has closed, but the idea you began is kept if you finish it' in out
    assert "Who may see this idea?" in out and "no open round" not in out
    out = await kim.say("b")
    assert "Idea saved: Everyone, without my name." in out
    assert "no open round" in await kim.say("/resume")  # nothing left to finish
    async with db.session() as s:
        assert [(i.text, i.sharing) for i in (await s.exec(select(ActionIdea))).all()] == [
            ("Benches by the bus stop", "anonymous")]


async def test_drilldown_charts_for_own_and_group_profile(user, seed) -> None:
    people = [user(n) for n in ("lea", "mo", "nils")]
    for i, person in enumerate(people):
        await join(person, seed.codes["kommune" if i == 0 else "gronn"])
        await person.say(*full_answers(i))
    lea = people[0]
    await close_as_coordinator(user("koordinator"), seed)
    out = await lea.say("/results 3")
    assert "Spider chart for \"Communication\"" in out and "3-1 Regular contact" in out
    assert lea.adapter.saved[-1].name.endswith("samson-communication.png")
    out = await lea.say("/group 4")
    assert "Spider chart for \"Anchoring (backing and ownership)\": 7 sub-themes" in out and "4-2 Support from leaders" in out
    out = await lea.say("/results 9")
    assert "Choose an action field by number, 1 to 7: 1 = Safeguarding equal worth" in out


async def test_crash_in_handler_rolls_back_and_redelivery_succeeds(core, user, seed, db, monkeypatch) -> None:
    from bot.flows import rounds
    from storage.models import Inbox

    u = user("ola")
    await join(u, seed.codes["kommune"])
    real = rounds.save_answer

    async def broken(*args, **kwargs):
        await real(*args, **kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rounds, "save_answer", broken)
    event = Event("console", "local", "console:ola", "ola", EventKind.TEXT, "7", update_key="crash-1")
    replies = await core.handle(event)
    assert [r.text for r in replies] == ["Sorry, something went wrong on my side and nothing was saved. "
                                         "Please try again in a moment."]
    async with db.session() as s:
        assert (await s.exec(select(Answer))).all() == []
        assert (await s.exec(select(Inbox).where(Inbox.key == "crash-1"))).first() is None
    monkeypatch.setattr(rounds, "save_answer", real)
    assert "(2 of 54)" in (await core.handle(event))[-1].text  # the re-delivery is processed
    async with db.session() as s:
        assert len((await s.exec(select(Answer))).all()) == 1


async def test_round_status_names_who_completed_by_organisation(core, user, seed) -> None:
    ola, kari, koord = user("ola"), user("kari"), user("koord")
    await join(ola, seed.codes["kommune"])
    await ola.say(*full_answers())
    await join(kari, seed.codes["gronn"])
    await kari.say("7")  # started, not finished
    await join(user("per"), seed.codes["gronn"])  # has seen the first question, answered nothing
    await koord.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    out = await koord.say("/round status")
    assert "1 of 3 have completed" in out
    assert "Øst kommune: 1 of 1 completed, 0 in progress – ola" in out
    assert "Grønn Vekst AS: 0 of 2 completed, 1 (kari) in progress\n" in out + "\n"  # who to wait for
    assert "✓" not in out and "0/0" not in out
    out = await koord.say("/round close")  # kari is still answering: asked first, with a button to close now
    assert "Answers still in progress in \"Vår\": 1. Closing now leaves them unfinished" in out
    assert "a) Close now   b) Who is answering?" in out
    assert "is closed" in await koord.say("a")
    await join(user("nils"), seed.codes["gronn"])  # joins after the close
    async with core.db.session() as s:
        closed = await s.get(Round, seed.round_id)
        counted = {org.organisation: org.members for org in await participation(s, closed)}
    assert counted["Grønn Vekst AS"] == 2  # as it stood at the close: nils was not expected to answer it


async def test_without_a_platform_hint_the_partnerships_language_greets(user, db) -> None:
    from storage.partnerships import add_organisation, create_invite, create_partnership

    async with db.session() as s:
        p = await create_partnership(s, "Malmö Östra", k=3, lang="sv")
        org = await add_organisation(s, p, "Gröna Händer", "social_enterprise")
        await create_invite(s, p, organisation=org, role="partner", code="SV-1")
        await s.commit()
    out = await user("sven").say("/start SV-1")
    assert "Du är med i ”Malmö Östra”" in out and "Godkänner du detta?" in out


async def test_a_stranger_keeps_the_language_they_chose_and_nothing_else(user, db) -> None:
    u = user("nils")
    assert "Your language is now English" in await u.say("/lang en")
    assert "Type /start CODE" in await u.say("hello")  # still in English, before joining
    async with db.session() as s:
        person = (await s.exec(select(Person).join(Identity).where(Identity.user_id == "nils"))).one()
        assert person.lang == "en" and person.consent_at is None and person.display_name == ""  # not their name
    other = user("olga")
    assert "a) Norsk bokmål" in await other.say("/lang")  # asked, not answered: nothing kept while it waits
    async with db.session() as s:
        assert (await s.exec(select(Identity).where(Identity.user_id == "olga"))).first() is None
    assert "Språket er nå norsk bokmål" in await other.say("a")  # the buttons still work


async def test_a_coordinator_without_an_organisation_answers_no_round_and_is_not_counted(user, seed, db) -> None:
    from storage.partnerships import add_organisation, create_invite, get_partnership

    async with db.session() as s:
        p = await get_partnership(s, seed.partnership_id)
        naboer = await add_organisation(s, p, "Naboer", "residents")
        await create_invite(s, p, organisation=naboer, role="resident", code="NAB-1")
        await s.commit()
    kari = user("kari")
    out = await kari.say(f"/start {seed.codes['coordinator']}", "yes", "en")
    assert "As a coordinator without an organisation you don't answer rounds yourself" in out
    assert "(1 of 54)" not in out
    assert "don't answer rounds yourself" in await kari.say("/results")  # not "type /resume to start"
    await kari.say("/round close")
    out = await kari.say("/resume")  # nothing open: she opens rounds, nobody tells her of one
    assert "There is no open round. Open one with /round open TITLE." in out and "You'll hear" not in out
    assert "(resident, Naboer)" in await kari.say("/invite Naboer")  # the residents' organisation: a resident code
    out = await kari.say("/round open residents Winter voices")
    assert "Participants being invited: 0" in out  # not the coordinator herself
    rita = user("rita")
    assert "(1 av " in await rita.say("/start NAB-1", "ja", "nb")
    assert "don't answer rounds yourself" in await kari.say("/resume")
    out = await kari.say("/round status")
    assert "No organisation" not in out and "kari" not in out and "0 of 1" in out
    async with db.session() as s:
        assert len((await s.exec(select(Response))).all()) == 1  # rita's; none for the coordinator


async def test_a_second_code_says_what_one_already_is_and_changes_nothing(user, seed, db) -> None:
    cy = user("cy")
    await join(cy, seed.codes["gronn"])
    out = await cy.say(f"/start {seed.codes['coordinator']}")
    assert 'You are already part of "Bydel Øst" (partner, Grønn Vekst AS); the code does not change that' in out
    assert 'You have joined "Bydel Øst" for Grønn Vekst AS' in await cy.say(f"/start {seed.codes['gronn']}")  # a re-tap
    async with db.session() as s:
        assert [(m.role, m.organisation_id is not None) for m in (await s.exec(select(Membership))).all()] == [
            ("partner", True)]


async def test_resume_goes_back_to_the_round_the_person_was_answering_last(user, seed, db) -> None:
    async with db.session() as s:
        partnership = await s.get(Partnership, seed.partnership_id)
        survey = await open_round(s, partnership, "survey", title="Undersøkelse")
        await s.commit()
    u = user("ulf")
    assert "Type /resume or tap to start" in await join(u, seed.codes["kommune"])  # two rounds: both offered
    assert "(1 of 54)" in await u.say(f"/resume {seed.round_id}")
    await u.say("5", "pause", f"/resume {survey.id}")
    await u.say("1", "pause")
    assert "(2 of 82)" in await u.say("/resume")  # the survey, where they were, not the scorecard
    await u.say("pause")
    assert "(2 of 54)" in await u.say(f"/resume {seed.round_id}")
    out = await u.say("pause", "/resume checkin")  # no check-in is open: never some other round instead
    assert "I don't know what \"checkin\" means here" in out and "/resume samson | /resume survey" in out
    assert "(2 of 82)" in await u.say("/resume survey")  # by instrument, in any of its names, or by title
    assert "(2 of 54)" in await u.say("pause", "/resume scorecard")
    assert "(2 of 82)" in await u.say("pause", "/resume undersøkelse")


async def test_after_being_told_no_round_is_open_a_typed_no_is_no_answer(user, seed) -> None:
    u = user("una")
    await join(u, seed.codes["kommune"])
    await u.say("7")  # mid-round when it closes
    koord = user("koord")
    await koord.say(f"/start {seed.codes['coordinator']}", "yes", "en", "pause")
    assert "is closed" in await koord.say("/round close now")
    assert "There is no open round for you right now" in await u.say("/resume")
    out = await u.say("/erase", "no")  # the erase question answered by typing
    assert "OK, nothing was changed" in out and "was closed" not in out


async def test_the_summary_after_a_round_closes_has_one_headline_and_that_rounds_result(user, seed, db) -> None:
    from bot import summaries

    for n, (name, code) in enumerate((("a1", "kommune"), ("a2", "gronn"), ("a3", "kommune"))):
        u = user(name)
        await join(u, seed.codes[code])
        await u.say(*full_answers(n))
    await close_as_coordinator(user("koord"), seed)
    async with db.session() as s:
        p = await s.get(Partnership, seed.partnership_id)
        replies = await summaries.summary_replies(s, p, "en", f"round-{seed.round_id}")  # type: ignore[arg-type]
    head = replies[0].text
    assert head.startswith('📋 The round "Vår" has closed. Summary for "Bydel Øst":') and "Weekly summary" not in head
    assert replies[0].image is not None and "Vår" in (replies[0].image_alt or "") + replies[-1].text
    assert '3 of 3 have answered "Vår"' in head and "no open rounds" not in head  # the closed round's count
    assert "Group profile over 3" in replies[1].text and replies[1].thread == "summary"
