"""The printable report: from the command line, and /report into the coordinators' Telegram group."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pypdf
import pypdfium2
from typer.testing import CliRunner

from bot import actions, round_lifecycle
from bot.cli import app
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Person, utcnow
from storage.partnerships import add_organisation, create_invite, create_partnership
from storage.rounds import open_round
from tests.fakes.telegram_api import FakeTelegram
from tests.seeding import completed_person
from tests.survey_answers import survey_inputs
from tests.test_telegram import settings, tap_next

runner = CliRunner()


async def _history(db_url: str, *, survey: bool) -> None:
    """Two closed SAMSON rounds, optionally a closed survey, an agreed action and an idea."""
    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Øst", k=3, lang="en")
        kommune = await add_organisation(s, p, "Øst kommune", "municipality")
        gronn = await add_organisation(s, p, "Grønn Vekst AS", "social_enterprise")
        await create_invite(s, p, role="coordinator", code="KOORD-1")
        for title, offset in (("Spring 2027", 0), ("Autumn 2027", 7)):
            round_ = await open_round(s, p, "samson", title=title)
            for n in range(4):
                await completed_person(s, round_, (kommune if n % 2 else gronn).id, f"{title} {n}", seed=n + offset)
            await round_lifecycle.close(s, p, round_)
        if survey:
            round_ = await open_round(s, p, "survey", title="Partner survey 2027")
            for n, (org, likert, barrier) in enumerate(((kommune, 4, 20), (kommune, 5, 30), (kommune, 4, 25),
                                                        (gronn, 2, 80), (gronn, 3, 70), (gronn, 2, 90))):
                await completed_person(s, round_, org.id, f"S{n}", inputs=survey_inputs(likert=likert, barrier=barrier))
            await round_lifecycle.close(s, p, round_)
        kari = Person(display_name="Kari", lang="en", consent_at=utcnow())
        s.add(kari)
        await s.flush()
        agreed = await actions.add(s, p, kari, "A shared meeting place every month")
        await actions.agree(s, p, agreed.id, "Grønn Vekst AS", utcnow().date() + timedelta(days=30), "equality")  # type: ignore[arg-type]
        await actions.add(s, p, kari, "Take turns chairing the meetings")
        await s.commit()
    await db.close()


def test_the_report_from_the_command_line(db_url: str, tmp_path: Path, monkeypatch) -> None:
    asyncio.run(_history(db_url, survey=True))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(app, ["report", "bydel-ost", "--lang", "en", "--out", "r.pdf"])
    assert out.exit_code == 0, out.output
    reader = pypdf.PdfReader(tmp_path / "r.pdf")
    # Cover, overview, 7 drill-downs, questions, the survey's factors and barriers, actions and ideas.
    assert len(reader.pages) >= 13
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in ("Bydel Øst: SAMSON report", "Round: Autumn 2027", "Compared with: Spring 2027",
                     "Working towards shared goals", "Weakest sub-themes", "Text alternative: Spider chart",
                     "Success factors", "Barriers by side of the table", "A shared meeting place every month",
                     "Grønn Vekst AS", "Take turns chairing the meetings"):
        assert expected in text, expected
    page = pypdfium2.PdfDocument(tmp_path / "r.pdf")[1].render(scale=2).to_pil()
    shades = page.convert("L").getcolors(maxcolors=100000) or []
    assert page.size[0] > 1000 and len(shades) > 10  # a drawn chart, not a blank page
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    assert buffer.getvalue().startswith(b"\x89PNG")

    out = runner.invoke(app, ["report", "bydel-ost", "--round", "#1", "--lang", "nb", "--out", "first.pdf"])
    assert out.exit_code == 0, out.output
    first = "\n".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "first.pdf").pages)
    assert "Runde: Spring 2027" in first and "Sammenlignet med" not in first  # nothing before the first round

    out = runner.invoke(app, ["report", "bydel-ost", "--round", "survey", "--lang", "en", "--out", "survey.pdf"])
    assert out.exit_code == 0, out.output  # the survey round's own report: factors and barriers, no empty profile
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "survey.pdf").pages).split())
    assert "Round: Partner survey 2027" in text and "Barriers by side of the table" in text
    assert "0 action fields" not in text and "No statement" not in text
    for command in (["round", "open", "bydel-ost", "--title", "Empty"], ["round", "close", "bydel-ost"]):
        assert runner.invoke(app, command).exit_code == 0
    out = runner.invoke(app, ["report", "bydel-ost", "--round", "#2", "--compare", "#3", "--out", "x.pdf"])
    assert out.exit_code != 0 and "'Empty' has no published figures to compare with" in out.output


async def test_report_in_chat_goes_to_the_coordinators_group_as_a_pdf(db_url: str) -> None:
    await _history(db_url, survey=False)
    fake = await FakeTelegram().start()
    runtime = Runtime(settings(fake, db_url))
    await runtime.start()
    try:
        coordinator = fake.user(5000, "Koord", "en")
        fake.say(coordinator, "/start KOORD-1")
        await tap_next(fake, coordinator, "consent_yes")
        await tap_next(fake, coordinator, "en", until="no open round")
        group = fake.group(-100555, "Koordinatorer")
        fake.say(coordinator, "/bind@samson_test_bot coordinators", chat=group)
        await fake.wait_for(lambda: any("Koordinatorer" in s.text or "bound" in s.text for s in fake.to(-100555)))
        fake.say(coordinator, "/report compare 9")  # words it does not take: said, and no report of another round
        await fake.wait_for(lambda: any("takes no more words" in s.text and "--compare" in s.text for s in fake.to(5000)))
        fake.say(coordinator, "/report")
        await fake.wait_for(lambda: any("coordinators' channel" in s.text for s in fake.to(5000)))
        document = await fake.wait_for(lambda: next((s for s in fake.to(-100555) if s.document), None), timeout=60)
        assert document.document.startswith(b"%PDF") and "SAMSON report" in document.text
        pages = pypdf.PdfReader(io.BytesIO(document.document)).pages
        assert len(pages) >= 11 and "Take turns chairing" in pages[-1].extract_text()
        assert not fake.errors
    finally:
        await runtime.stop()
        await fake.stop()


async def test_group_compare_offers_earlier_rounds_and_overlays_the_chosen_one(db_url: str, tmp_path: Path) -> None:
    from bot.dispatch import BotCore
    from tests.conftest import ScriptedUser

    await _history(db_url, survey=False)
    db = Database(db_url)
    coordinator = ScriptedUser(BotCore(db), "koord", tmp_path / "charts")
    await coordinator.say("/start KOORD-1", "yes", "en")
    out = await coordinator.say("/group compare")
    assert 'Compare "Autumn 2027" with which round?' in out and "Spring 2027" in out
    out = await coordinator.say("/group compare 1")
    assert "[chart:" in out and "Since the previous round: biggest rise" in out
    out = await coordinator.say("/group 2")  # a drill-down is compared with the round before, too
    assert "[chart:" in out and "Since the previous round" in out
    await db.close()


async def test_a_round_of_samson_v1_is_compared_with_v2_on_the_sub_themes_both_share(db_url: str, tmp_path: Path) -> None:
    from bot.dispatch import BotCore
    from tests.conftest import ScriptedUser

    db = Database(db_url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bydel Vest", k=3, lang="en")
        org = await add_organisation(s, p, "Vest kommune", "municipality")
        await create_invite(s, p, role="coordinator", code="KOORD-V")
        for title, version in (("Spring 2026", 1), ("Spring 2027", 2)):
            round_ = await open_round(s, p, "samson", title=title)
            round_.instrument_version = version  # the spring 2026 round was run before version 2 existed
            for n in range(3):
                await completed_person(s, round_, org.id, f"{title} {n}", seed=n)
            await round_lifecycle.close(s, p, round_)
        await s.commit()
    coordinator = ScriptedUser(BotCore(db), "koord", tmp_path / "charts")
    await coordinator.say("/start KOORD-V", "yes", "en")
    out = await coordinator.say("/group")
    assert "[chart:" in out and "the change is measured on the 46 of 50 statements both share" in out
    out = await coordinator.say("/group 3")  # Communication: the new metacommunication statement has no earlier point
    assert "3-2 Talking about how we talk" in out
    await db.close()


def test_ties_are_named_together_and_a_single_score_is_not_called_both_strongest_and_weakest() -> None:
    from core.report import extremes

    labels = {"a": "Trust", "b": "Communication", "c": "Anchoring"}
    shown = "{:.1f}".format
    assert extremes(labels, {"a": 7.5, "b": 6.84, "c": 6.8}, "en", shown) == \
        "Strongest: Trust (7.5). Weakest: Communication, Anchoring (6.8)."
    assert extremes(labels, {"a": 3.0}, "en", shown) == ""
