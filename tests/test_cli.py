"""The coordinators' CLI: partnerships, organisations, invites, rounds, participation and results."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import app
from bot.dispatch import BotCore
from storage.db import Database
from storage.rounds import companions
from tests.conftest import ScriptedUser, full_answers, join

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = db_url
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0
    return result.output


async def _answer(url: str, code: str, name: str, tmp: Path, complete: bool = True) -> None:
    db = Database(url)
    u = ScriptedUser(BotCore(db), name, tmp / name)
    await join(u, code)
    await u.say(*(full_answers(len(name)) if complete else ["5", "5"]))
    await db.close()


def test_coordinator_workflow(env: str, tmp_path: Path) -> None:
    assert "slug: fjordbyen" in ok("partnership", "create", "Fjordbyen", "--k", "3")
    assert "Fjordbyen" in ok("partnership", "list")
    # Channel and group messages speak the partnership's language (nb unless set).
    assert "language of channel and group messages: Svenska (sv)" in ok("partnership", "set", "fjordbyen", "--lang", "sv")
    assert "unknown language 'xx'" in fails("partnership", "set", "fjordbyen", "--lang", "xx")
    ok("partnership", "set", "fjordbyen", "--checkin-time", "19:00")  # then both at once: judged together
    assert "at 10:00" in ok("partnership", "set", "fjordbyen", "--quiet", "18:00-08:00", "--checkin-time", "10:00")
    assert "inside the quiet hours" in fails("partnership", "set", "fjordbyen", "--quiet", "09:00-11:00")
    assert "language: en" in ok("partnership", "create", "Sandvik", "--lang", "en")
    ok("org", "add", "fjordbyen", "Fjordbyen kommune", "--kind", "municipality")
    ok("org", "add", "fjordbyen", "Kafé Samvirke", "--kind", "social_enterprise")
    assert "Kafé Samvirke" in ok("org", "list", "fjordbyen")
    codes = [
        re.search(r"Invite code: (\S+)", ok("invite", "create", "fjordbyen", "--org", org)).group(1)
        for org in ("Fjordbyen kommune", "kafé samvirke")
    ]
    assert "role: coordinator" in ok("invite", "create", "fjordbyen", "--role", "coordinator")
    assert "Opened round" in ok("round", "open", "fjordbyen", "--title", "Høst 2026")
    assert "already open" in fails("round", "open", "fjordbyen")

    asyncio.run(_answer(env, codes[0], "alma", tmp_path))
    asyncio.run(_answer(env, codes[1], "bjørn", tmp_path))
    asyncio.run(_answer(env, codes[1], "cato", tmp_path, complete=False))
    status = ok("round", "status", "fjordbyen")
    assert "Fjordbyen kommune [municipality]: 1 of 1 members completed, 0 in progress" in status
    assert "completed: alma" in status and "in progress: cato" in status
    assert "Total: 2 of 3 members completed" in status
    assert "10.0" not in status and "w.openness" not in status  # never what they answered

    assert "No group profile has been published yet" in ok("results", "fjordbyen", "--lang", "en")
    assert "fewer than 3 people" in fails("round", "publish", "fjordbyen")  # 2 completed: nothing to publish
    asyncio.run(_answer(env, codes[0], "dina", tmp_path))
    assert "No group profile has been published yet" in ok("results", "fjordbyen", "--lang", "en")  # never live
    assert "interim result of 'Høst 2026' over 3 responses" in ok("round", "publish", "fjordbyen")
    out = ok("results", "fjordbyen", "--lang", "sv", "--out", "g.png")
    assert "Gruppprofil över 3 svar" in out and "(preliminär)" in out
    assert Image.open(tmp_path / "g.png").size == (600, 600)

    assert "Closed round 1 'Høst 2026'" in ok("round", "close", "fjordbyen")
    assert "(preliminär)" not in ok("results", "fjordbyen", "--lang", "sv", "--out", "g.png")
    assert "already closed" in fails("round", "close", "fjordbyen")
    ok("round", "open", "fjordbyen")
    assert "#2" in ok("round", "status", "fjordbyen")
    out = ok("due", "--at", _next_checkin(), "--show")  # what the schedule would send then, as people would read it
    assert "round_invite" in out and "console:alma" in out and "check-in for \"Fjordbyen\" is open until" in out


def test_cli_errors_are_clear(env: str) -> None:
    assert "no partnership 'nowhere'" in fails("org", "add", "nowhere", "X")
    ok("partnership", "create", "P")
    assert "unknown kind 'town'" in fails("org", "add", "p", "X", "--kind", "town")
    assert "need --org" in fails("invite", "create", "p")
    assert "no organisation 'ghost'" in fails("invite", "create", "p", "--org", "ghost")
    assert "unknown time zone" in fails("partnership", "create", "Q", "--tz", "Mars/Base")
    assert "no round" in fails("round", "status", "p")
    assert "unknown instrument 'nope'" in fails("round", "open", "p", "--instrument", "nope")
    ok("round", "open", "p", "--instrument", "checkin")
    assert "Månedlig dialogsjekk #1" in ok("round", "status", "p")  # when only a check-in is open: that one


def test_instruments_check(tmp_path: Path) -> None:
    listing = ok("instruments", "check")
    assert "ok  samson/v1.yaml: samson v1, 54 items" in listing and "ok  survey/v1.yaml: survey v1, 82 items" in listing
    samson = listing.split("samson/v2.yaml")[1].split("ok  ")[0]
    assert "languages nb, sv, en\n" in samson and "labels only (for results): ar, uk, so, ti" in samson
    assert "not yet reviewed by a native speaker: ar, uk, so, ti" in samson  # the coordinator sees the flag
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nkind: survey\ntitle: {nb: a, sv: b}\nsections: []\n", encoding="utf-8")
    out = fails("instruments", "check", str(bad))
    assert "bad.yaml" in out and "'en' is missing" in out


async def _seed_rounds(url: str, *, answered: bool) -> None:
    """Bydel Øst (k=3): a closed SAMSON round "Vår" with its residents' round, three partners and three residents
    answered in each when ``answered``; then a residents-only round "Høst" that is open."""
    from bot import round_lifecycle
    from core.instrument import load_instrument
    from storage.partnerships import add_organisation, create_partnership
    from tests.seeding import completed_person

    db = Database(url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3, lang="en")
        kommune = await add_organisation(s, p, "Øst kommune", "municipality")
        residents = await add_organisation(s, p, "Innbyggere", "residents")
        spring, _ = await round_lifecycle.open_(s, p, "samson", title="Vår", audience="all")
        if answered:
            companion = (await companions(s, spring))[0]
            items = load_instrument(companion.instrument_id, companion.instrument_version).items
            for n in range(3):
                await completed_person(s, spring, kommune.id, f"partner{n}", seed=n)
                await completed_person(s, companion, residents.id, f"resident{n}", inputs=[str(4 + n)] * len(items))
        await round_lifecycle.close(s, p, spring)
        await round_lifecycle.open_(s, p, "samson", title="Høst", audience="residents")
        await s.commit()
    await db.close()


def test_results_out_names_every_chart(env: str, tmp_path: Path) -> None:
    asyncio.run(_seed_rounds(env, answered=True))
    out = ok("results", "bydel-ost", "--lang", "en", "--out", "x.png")
    assert "Chart: x.png" in out and "Chart: x-residents.png" in out
    assert Image.open(tmp_path / "x.png").size == (600, 600) and (tmp_path / "x-residents.png").exists()
    assert not list(tmp_path.glob("samson-*.png"))  # --out is not ignored
    ok("results", "bydel-ost", "--out", "charts/y.png")
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == ["y-residents.png", "y.png"]
    assert "Chart: samson-group.png" in ok("results", "bydel-ost")  # without --out: each chart's own name
    assert (tmp_path / "samson-residents.png").exists()


def test_round_status_and_paper_default_to_the_open_round(env: str, tmp_path: Path) -> None:
    import pypdf

    asyncio.run(_seed_rounds(env, answered=False))
    status = ok("round", "status", "bydel-ost")
    assert status.startswith("Round 2 'Høst' (id 3, residents, open):") and "Vår" not in status
    assert "Innbyggere [residents]: 0 of 0 members completed" not in status  # nobody expected: no "0 of 0" row
    ok("paper", "bydel-ost", "--lang", "en", "--out", "form.pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "form.pdf").pages)
    assert "Høst" in text and "Vår" not in text
    closed = ok("round", "status", "bydel-ost", "1")  # a round by id, with its residents' round
    assert "Round 1 'Vår' (id 1, samson, closed):" in closed and "Residents' round 1 'Vår' (id 2, residents, closed):" in closed
    ok("round", "close", "bydel-ost", "3")
    assert ok("round", "status", "bydel-ost").startswith("Round 2 'Høst' (id 3, residents, closed):")  # else the newest
    ok("round", "open", "bydel-ost", "--instrument", "checkin")
    status = ok("round", "status", "bydel-ost")  # an open check-in, not the closed round before it
    assert status.startswith("Round 1 'Monthly dialogue check-in #1'") and "Høst" not in status


def test_every_language_is_offered_and_named_in_errors(env: str) -> None:
    import typer.main

    from core.languages import LANGUAGES

    listed = ", ".join(LANGUAGES)
    assert listed == "nb, sv, en, ar, uk, so, ti"
    command = typer.main.get_command(app)
    for path in (["paper"], ["assist"], ["results"], ["report"], ["partnership", "create"], ["partnership", "set"]):
        sub = command
        for name in path:
            sub = sub.commands[name]  # type: ignore[attr-defined]
        helps = [param.help for param in sub.params if param.name == "lang"]  # type: ignore[attr-defined]
        assert helps and listed in helps[0], (path, helps)
    ok("partnership", "create", "P")
    assert f"--lang must be one of {listed}" in fails("paper", "p", "--lang", "xx")
    assert f"use one of {listed}" in fails("partnership", "create", "Q", "--lang", "xx")
    assert "language: so" in ok("partnership", "create", "R", "--lang", "so")
    assert "language of channel and group messages: ትግርኛ (ti)" in ok("partnership", "set", "p", "--lang", "ti")


def test_invite_qr_without_a_bot_name_creates_nothing(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlmodel import select

    from storage.models import Invite

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    ok("partnership", "create", "P")
    ok("org", "add", "p", "Innbyggere", "--kind", "residents")
    out = fails("invite", "create", "p", "--org", "Innbyggere", "--role", "resident", "--qr", "invite.png")
    assert "--qr needs" in out and "No invite code was created" in out and "Invite code:" not in out
    assert "does not exist" in fails("invite", "create", "p", "--org", "Innbyggere", "--role", "resident",
                                     "--telegram-bot", "samson_bot", "--qr", "nowhere/invite.png")

    async def codes() -> list[str]:
        db = Database(env)
        async with db.session() as s:
            found = [i.code for i in (await s.exec(select(Invite))).all()]
        await db.close()
        return found

    assert asyncio.run(codes()) == []
    out = ok("invite", "create", "p", "--org", "Innbyggere", "--role", "resident", "--telegram-bot", "samson_bot",
             "--qr", "invite.png")
    code = asyncio.run(codes())[0]
    assert f"https://t.me/samson_bot?start={code}" in out and Image.open(tmp_path / "invite.png").size[0] > 100


def test_run_adds_the_demo_only_to_an_empty_database(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for token in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(token, raising=False)
    ok("partnership", "create", "Fjordbyen")
    out = runner.invoke(app, ["run", "--user", "kari"], input="")
    assert out.exit_code == 0, out.output
    assert "Demo invite codes" not in out.output and "not in a partnership yet" in out.output
    assert "demo" not in ok("partnership", "list").lower()
    assert "Demo invite codes" in runner.invoke(app, ["demo", "--user", "kari"], input="").output  # asked for
    assert "demo-levende-nabolag" in ok("partnership", "list")

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    out = runner.invoke(app, ["run", "--user", "ada"], input="")
    assert out.exit_code == 0, out.output
    assert "Demo invite codes" in out.output and "demo-levende-nabolag" in ok("partnership", "list")


def test_the_local_chat_continues_at_an_unanswered_language_question(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for token in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(token, raising=False)
    monkeypatch.setenv("LANG", "C")
    out = runner.invoke(app, ["demo", "--user", "ada"], input="ja\n")  # consents, then leaves at "choose a language"
    assert out.exit_code == 0, out.output
    assert out.output.rstrip(" >\n").endswith("g) ትግርኛ") and "Velg språk" in out.output
    out = runner.invoke(app, ["demo", "--user", "ada"], input="c\n")  # back later: the same question, then the round
    assert out.exit_code == 0, out.output
    assert "Velg språk" in out.output and "Your language is now English" in out.output and "(1 of " in out.output


def test_a_resident_in_the_demo_answers_the_residents_own_round_in_their_language(
        env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for token in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(token, raising=False)
    from core.instrument import load_instrument

    residents = load_instrument("residents")
    out = runner.invoke(app, ["demo", "--user", "amal", "--invite", "DEMO-INNBYGGER"], input="c\nd\na\n5\n")
    assert out.exit_code == 0, out.output
    assert residents.items[0].wording("ar") in out.output  # not the partners' statements, which have no Arabic
    out = runner.invoke(app, ["demo", "--user", "kari", "--invite", "DEMO-KOORD"], input="a\nc\n/round status\n")
    assert 'Round 1 "Vår 2027", residents\' part: 0 of 1 have completed.' in out.output  # told apart from the partners'
    assert "Innbyggere: 0 of 1 completed, 1 (amal) in progress" in out.output


def test_mistakes_a_coordinator_makes_get_one_clear_line(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("partnership", "create", "Fjordbyen")
    assert "already exists (slug: fjordbyen)" in fails("partnership", "create", "fjordbyen")  # not a silent fjordbyen-2
    assert "a partnership needs a name" in fails("partnership", "create", " ")
    assert "no partnership 'fjordby' (known: fjordbyen" in fails("org", "list", "fjordby")
    assert "Warning: with k=1" in runner.invoke(app, ["partnership", "create", "Liten", "--k", "1"]).output
    ok("org", "add", "fjordbyen", "Kafé Samvirke", "--kind", "social_enterprise")
    out = fails("org", "add", "fjordbyen", "kafé samvirke", "--kind", "ngo")
    assert "'kafé samvirke' is already an organisation of fjordbyen" in out and "Traceback" not in out
    out = ok("invite", "create", "fjordbyen", "--role", "coordinator")
    assert "for one person" in out  # a forwarded coordinator code makes no one else a coordinator
    assert "for any number of people" in ok("invite", "create", "fjordbyen", "--org", "Kafé Samvirke")
    assert "unknown role 'koordinator'" in fails("invite", "create", "fjordbyen", "--role", "koordinator")
    ok("round", "open", "fjordbyen", "--title", "Vår")
    ok("round", "open", "fjordbyen", "--instrument", "survey", "--title", "Undersøkelse")
    out = fails("round", "close", "fjordbyen", "abc")
    assert "no round 'abc' in fjordbyen" in out and "Undersøkelse (survey, open)" in out and "Traceback" not in out
    assert "Closed round 1 'Undersøkelse'" in ok("round", "close", "fjordbyen", "survey")  # as the README writes it
    assert "Report: deep/er/r.pdf" in ok("report", "fjordbyen", "--round", "survey", "--out", "deep/er/r.pdf")  # folder made
    assert (tmp_path / "deep" / "er" / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "with another round of the same instrument" in fails("report", "fjordbyen", "--round", "survey", "--compare",
                                                                "survey")

    monkeypatch.setenv("DATABASE_URL", "postgresql://someone:secret@127.0.0.1:1/nowhere")
    result = runner.invoke(app, ["partnership", "list"])
    assert result.exit_code == 1 and "cannot reach the database at" in result.output
    assert "secret" not in result.output and len(result.output.strip().splitlines()) == 1


def _next_checkin() -> str:
    """Five minutes after next month's check-in opens (first weekday, 10:00 in Oslo), as ``samson due --at`` takes it."""
    from datetime import date, time, timedelta
    from zoneinfo import ZoneInfo

    from core.schedule import checkin_start

    today = date.today()
    opens = checkin_start(today.year + today.month // 12, today.month % 12 + 1, "first-weekday", time(10, 0),
                          ZoneInfo("Europe/Oslo"))
    return (opens + timedelta(minutes=5)).isoformat()
