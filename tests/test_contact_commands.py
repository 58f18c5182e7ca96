"""Recording contact, snoozing and coordinator settings in chat (console adapter)."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Contact, Organisation, Partnership, Round
from storage.partnerships import add_organisation
from tests.conftest import join


async def test_contact_command_records_and_rejects_bad_input_clearly(user, seed, db) -> None:
    ada = user("ada")
    await join(ada, seed.codes["kommune"])
    out = await ada.say("/contact Nowhere AS meeting")
    assert 'There is no organisation "Nowhere AS"' in out and "Grønn Vekst AS" in out
    out = await ada.say("/contact st meeting")  # a part of two names: which one is not guessed
    assert '"st" fits several organisations: Øst kommune, Grønn Vekst AS. Type more of the name.' in out
    out = await ada.say("/contact Grønn Vekst AS dance")
    assert '"dance" is not a kind of contact' in out and "Usage: /contact" in out
    out = await ada.say("/contact Grønn Vekst AS meeting 2099-01-01")
    assert "is in the future" in out
    out = await ada.say("/contact Grønn Vekst AS meeting 31.02.2027")
    assert "is not a date" in out
    out = await ada.say("/contact")
    assert "Usage: /contact" in out
    async with db.session() as s:
        assert (await s.exec(select(Contact))).all() == []
    out = await ada.say("/contact grønn vekst as call 2026-11-01")
    assert "Recorded: call with Grønn Vekst AS on 2026-11-01" in out
    async with db.session() as s:
        contact = (await s.exec(select(Contact))).one()
        gronn = (await s.exec(select(Organisation).where(Organisation.name == "Grønn Vekst AS"))).one()
        kommune = (await s.exec(select(Organisation).where(Organisation.name == "Øst kommune"))).one()
    assert contact.kind == "call" and contact.other_organisation_id == kommune.id
    assert gronn.last_contact_at is not None and kommune.last_contact_at == gronn.last_contact_at


async def test_contact_kinds_are_typed_and_shown_in_the_users_language(user, seed, db) -> None:
    kari = user("kari")
    await join(kari, seed.codes["kommune"], "nb")
    out = await kari.say("/contact Grønn Vekst AS møte 2026-11-02")
    assert "Registrert: møte med Grønn Vekst AS" in out  # not "meeting"
    sven = user("sven")
    await join(sven, seed.codes["gronn"], "sv")
    out = await sven.say("/contact Øst kommune samtal 2026-11-03")
    assert "Registrerat: samtal med Øst kommune" in out
    async with db.session() as s:
        kinds = sorted(c.kind for c in (await s.exec(select(Contact))).all())
    assert kinds == ["call", "meeting"]  # stored the same way whatever the language
    out = await kari.say("/contact Øst kommune møte")
    assert "«Øst kommune» er din egen organisasjon" in out and "Grønn Vekst AS" in out
    out = await kari.say("/contact Grønn Vekst AS telefon i går", "/snooze 2u")  # the words people use
    assert "Registrert: samtale med Grønn Vekst AS" in out and "😴 Ingen påminnelser til" in out
    assert "Registrert: e-post med Grønn Vekst AS" in await kari.say("/contact e-post grønn")  # the kind first, too
    async with db.session() as s:
        await add_organisation(s, await s.get(Partnership, seed.partnership_id), "Rema 1000", "business")
        await s.commit()
    assert "Registrert: møte med Rema 1000" in await kari.say("/contact møte Rema 1000")  # a number in a name, no date
    assert "Registrert: samtale med Rema 1000 2026-11-02" in await kari.say("/contact Rema 1000 telefon 2.11.2026")
    assert "Bruk: /snooze 3d | 2u | 1m | av" in await kari.say("/snooze lenge")
    assert "Påminnelsene er slått på igjen" in await kari.say("/snooze av")


async def test_a_norwegian_coordinator_sets_the_rhythm_in_norwegian(user, seed, db) -> None:
    kari = user("kari")
    await join(kari, seed.codes["coordinator"], "nb")
    out = await kari.say("/set oppsummering mandag 09:00")
    assert "oppsummering: mandag kl. 09:00" in out
    out = await kari.say("/set innsjekk første-hverdag 10:00", "/set stille av", "/set frekvens kvartalsvis")
    assert "innsjekk: første hverdag i måneden kl. 10:00" in out and "stille timer: av" in out
    assert "kontaktfrekvens: kvartalsvis" in out
    out = await kari.say("/set vindu 1 uke", "/set innsjekk første hverdag i måneden kl. 9", "/set frekvens hver uke")
    assert "innsjekk: første hverdag i måneden kl. 09:00, åpen i 7 dager" in out and "kontaktfrekvens: ukentlig" in out
    assert "åpen i 1 dag –" in await kari.say("/set vindu 1")
    out = await kari.say("/set frekvens kvartalsvis", "/set oppsummering fredagen")
    assert "«fredagen» er ikke en ukedag: bruk f.eks. mandag eller man" in out
    assert "Bruk: /set frekvens ukentlig|månedlig|kvartalsvis" in out
    assert "Runde 1 «Vår» av «SAMSON – samskapingsprofil» er allerede åpen. Avslutt den før" in await kari.say("/round open Høst")
    out = await kari.say("/round close innsjeck")  # a typo never closes some other round
    assert "Jeg vet ikke hva «innsjeck» betyr her, så ingenting ble endret" in out and "/round close samson" in out
    assert "Runde 1 «Månedlig dialogsjekk #1» er åpnet" in await kari.say("/round open innsjekk")
    out = await kari.say("/round status")  # reading changes nothing: every open round, the check-in too
    assert "Runde 1 «Vår»" in out and "Runde 1 «Månedlig dialogsjekk #1»" in out
    async with db.session() as s:
        rounds = {r.instrument_id: r for r in (await s.exec(select(Round))).all()}
    assert rounds["samson"].status == "open" and rounds["checkin"].audience == "partners"
    assert rounds["checkin"].closes_at is not None  # opened by hand, it still closes after the agreed window
    out = await kari.say("/invite")  # which organisation? the bot never guesses
    assert "Hvilken organisasjon er koden for?" in out and "Grønn Vekst AS" in out
    out = await kari.say("/invite innbygger")
    assert "Invitasjonskode for «Bydel Øst» (innbygger" in out and "resident" not in out
    assert "Invitasjonskode for «Bydel Øst» (partner, Grønn Vekst AS)" in await kari.say("/invite partner Grønn Vekst")
    out = await kari.say("/set stille 21:00-07:00", "/set innsjekk 5 22:00")  # invitations at night: refused
    assert "innsjekkingen ville åpnet kl. 22:00, innenfor stille timer (21:00-07:00)" in out
    await kari.say("/set stille av")
    out = await kari.say("/set farge blå")
    assert "ukjent innstilling «farge»: bruk frekvens, innsjekk" in out
    await kari.say("/set språk svenska")  # a language by its name
    async with db.session() as s:
        p = (await s.exec(select(Partnership))).one()
    assert (p.summary_day, p.summary_time, p.checkin_day, p.quiet_hours, p.contact_frequency, p.lang) == (
        "mon", "09:00", "first-weekday", "off", "quarterly", "sv")


async def test_snooze_and_settings(user, seed, db) -> None:
    ada = user("ada")
    await join(ada, seed.codes["kommune"])
    await ada.say("7")  # one answer given: she is answering
    assert "Usage: /snooze" in await ada.say("/snooze forever")
    out = await ada.say("/snooze 2w")
    assert "No nudges until" in out and "(Europe/Oslo)" in out  # on whose clock
    assert "Nudges are back on" in await ada.say("/snooze off")
    assert 'Only coordinators of "Bydel Øst"' in await ada.say("/set frequency weekly")

    kari = user("kari")
    await join(kari, seed.codes["coordinator"])
    out = await kari.say("/set frequency daily")
    assert "unknown frequency 'daily'" in out
    out = await kari.say("/set checkin 3 09:30")
    assert "check-in: day 3 of the month at 09:30" in out
    out = await kari.say("/set quiet 21:00-07:30")
    assert "quiet hours: 21:00-07:30" in out
    assert "unknown time zone" in await kari.say("/set timezone Mars/Olympus")
    await kari.say("/set frequency quarterly", "/set summary fri 15:00")
    out = await kari.say("/schedule")
    assert "contact frequency: quarterly" in out and "summary: Friday at 15:00" in out
    out = await kari.say("/lang nb", "/set frequency ukentlig")  # a coordinator reads and writes it in Norwegian
    assert "kontaktfrekvens: ukentlig" in out and "oppsummering: fredag kl. 15:00" in out and "frequency" not in out
    assert "ikke et klokkeslett" in await kari.say("/set summary wed 99:99", "/set checkin 5 25:00")
    out = await kari.say("/schedule")  # a rejected setting changes nothing, not even its valid half
    assert "oppsummering: fredag kl. 15:00" in out and "den 3. i måneden kl. 09:30" in out
    out = await kari.say("/set frequency daglig")  # a mistake is explained in Norwegian too
    assert "Det gikk ikke: ukjent frekvens «daglig»: bruk ukentlig, månedlig eller kvartalsvis" in out
    assert "Avslutte likevel?" in await kari.say("/round close")  # ada is still answering
    assert "er avsluttet" in await kari.say("/round close nå")
    assert "Åpne en med /round open TITTEL" in await kari.say("/round status")  # not "you will be told when …"
    out = await kari.say("/erase")  # the only coordinator is told what erasing would leave behind
    assert "Du er den eneste koordinatoren for «Bydel Øst»" in out and "/invite koordinator" in out
    assert "eneste koordinatoren" not in await ada.say("/erase")
    async with db.session() as s:
        p = (await s.exec(select(Partnership))).one()
    assert (p.contact_frequency, p.checkin_day, p.checkin_time, p.quiet_hours) == ("weekly", "3", "09:30",
                                                                                    "21:00-07:30")
