"""The survey in the console, the research export and the view across partnerships."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot import round_lifecycle
from bot.cli import app
from bot.research_export import export_round
from bot.survey_overview import survey_overview
from core.disclosure import Reason, Shown, Withheld
from storage.db import Database
from storage.models import Answer, Round
from storage.partnerships import add_organisation, create_partnership
from storage.rounds import open_round
from tests.conftest import ScriptedUser, Seed, join
from tests.seeding import completed_person
from tests.survey_answers import SURVEY, survey_inputs

runner = CliRunner()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def _partnership_with_survey(db: Database, name: str, people: list[tuple[str, int, int, bool]], k: int = 2,
                                   close: bool = True) -> int:
    """A partnership whose survey round was answered by ``people`` (side, likert, barrier, consent)."""
    async with db.session() as s:
        p = await create_partnership(s, name, k=k)
        orgs = {"municipality": await add_organisation(s, p, f"{name} kommune", "municipality"),
                "social_enterprise": await add_organisation(s, p, f"{name} AS", "social_enterprise")}
        round_ = await open_round(s, p, "survey")
        for n, (side, likert, barrier, consent) in enumerate(people):
            await completed_person(s, round_, orgs[side].id, f"{name} {n}",
                                   inputs=survey_inputs(likert=likert, barrier=barrier, consent=consent))
        if close:
            await round_lifecycle.close(s, p, round_)
        await s.commit()
        return round_.id  # type: ignore[return-value]


async def test_the_export_holds_published_aggregates_a_codebook_and_only_consented_microdata(db: Database) -> None:
    round_id = await _partnership_with_survey(db, "Fjordbyen", [
        ("municipality", 4, 20, True), ("municipality", 5, 40, False),
        ("social_enterprise", 2, 80, True), ("social_enterprise", 3, 60, True)])
    async with db.session() as s:
        result = await export_round(s, await s.get(Round, round_id), with_microdata=True)  # type: ignore[arg-type]
    aggregates = {row["item_id"]: row for row in _rows(result.aggregates)}
    assert aggregates["q26"]["n"] == "4" and float(aggregates["q26"]["mean"]) == 3.5
    assert aggregates["q26"]["sd"] == ""  # a spread only from 5 answers
    assert aggregates["q77"]["withheld"] == Reason.TOO_FEW.value  # everyone skipped it: "not relevant"
    assert aggregates["q5"]["counts"] == "weekly=4"
    assert "research_consent" not in aggregates  # who agreed to research is nobody's figure

    codebook = {row["item_id"]: row for row in _rows(result.codebook)}
    assert len(codebook) == 82 and codebook["q70"]["constructs"] == "not_invented_here"
    assert codebook["q70"]["scale"] == "1-100 skip=blank" and codebook["q70"]["side_wording"] == "yes"
    assert codebook["q10"]["reverse"] == "yes" and codebook["q26"]["text_nb"].startswith("Jeg mener vi i vår")
    assert all(codebook["q40"][f"text_{lang}"] for lang in ("nb", "sv", "en"))

    assert result.microdata is not None and result.consented == 3 and result.respondents == 4
    micro = _rows(result.microdata)
    assert len(micro) == 3  # the one who said no is not in it
    # ... nor can their answers be worked out: aggregate minus these rows would give them, so those items go
    assert "q70" not in micro[0] and "q26" not in micro[0] and {"q70", "q26"} <= set(result.left_out)
    assert all(r["q77"] == "" for r in micro)  # nobody who said no answered q77: it stays
    # one consenting municipality respondent (k = 2): their side and kind would name them
    assert sorted(r["side"] for r in micro) == ["", "social_enterprise", "social_enterprise"]
    assert "research_consent" not in micro[0] and all(re.fullmatch(r"[0-9a-f]{12}", r["respondent"]) for r in micro)

    round_id = await _partnership_with_survey(db, "Elvebyen", [
        ("municipality", 4, 20, True), ("municipality", 5, 40, False), ("municipality", 3, 30, True),
        ("social_enterprise", 2, 80, False), ("social_enterprise", 3, 60, True), ("social_enterprise", 3, 50, True)])
    async with db.session() as s:
        result = await export_round(s, await s.get(Round, round_id), with_microdata=True)  # type: ignore[arg-type]
    micro = _rows(result.microdata or "")
    assert result.left_out == [] and {r["q70"] for r in micro} == {"20", "30", "60", "50"}  # two said no: k of them
    assert sorted(r["side"] for r in micro) == ["municipality", "municipality", "social_enterprise", "social_enterprise"]


async def test_a_samson_round_exports_aggregates_but_no_microdata(db: Database, seed: Seed) -> None:
    async with db.session() as s:
        round_ = await s.get(Round, seed.round_id)
        with pytest.raises(ValueError, match="not been published"):
            await export_round(s, round_, with_microdata=True)  # type: ignore[arg-type]
        for n in range(3):
            await completed_person(s, round_, None, f"P{n}", seed=n)  # type: ignore[arg-type]
        await round_lifecycle.close(s, await _partnership(s, round_), round_)  # type: ignore[arg-type]
        result = await export_round(s, round_, with_microdata=True)  # type: ignore[arg-type]
    aggregates = {row["item_id"]: row for row in _rows(result.aggregates)}
    assert aggregates["w.openness"]["n"] == "3" and aggregates["w.openness"]["mean"]
    assert result.microdata is None and result.consented == 0  # SAMSON asks no research consent
    codebook = {row["item_id"]: row for row in _rows(result.codebook)}
    assert codebook["eq.trust"]["constructs"] == "equality" and codebook["w.openness"]["constructs"] == "weighting"


async def test_the_overview_pools_partnerships_by_side_and_names_only_those_with_k(db: Database) -> None:
    await _partnership_with_survey(db, "Fjordbyen", [
        ("municipality", 4, 20, True), ("municipality", 5, 30, True), ("social_enterprise", 2, 80, True),
        ("social_enterprise", 1, 90, True)])
    await _partnership_with_survey(db, "Sandvik", [
        ("social_enterprise", 3, 70, True), ("social_enterprise", 2, 60, True), ("municipality", 4, 25, True),
        ("municipality", 3, 40, True)])
    async with db.session() as s:
        found = await survey_overview(s, k=2)
    assert found.named == [("Fjordbyen", 4), ("Sandvik", 4)] and found.unnamed == 0
    cell = found.snapshot.items["q26"]
    assert isinstance(cell, Shown) and cell.n == 8
    sides = found.snapshot.by_group["q70"]
    assert isinstance(sides, dict) and sides["municipality"].n == 4 and sides["municipality"].mean == 28.75  # type: ignore[union-attr]

    # A partnership with a single respondent is counted but not named, and since its one
    # answer could be worked out from the others' published results, nothing is shown.
    await _partnership_with_survey(db, "Tinyby", [("social_enterprise", 1, 99, True)])
    async with db.session() as s:
        found = await survey_overview(s, k=2)
    assert [name for name, _ in found.named] == ["Fjordbyen", "Sandvik"] and found.unnamed == 1
    assert isinstance(found.snapshot.items["q26"], Withheld)
    assert found.snapshot.items["q26"].reason == Reason.DIFFERENCING  # type: ignore[union-attr]
    async with db.session() as s:  # a k below the partnerships' own (2 here) never loosens the gate
        loose = await survey_overview(s, k=1)
    assert loose.named == found.named and isinstance(loose.snapshot.items["q26"], Withheld)


def test_overview_and_export_from_the_command_line(db_url: str, tmp_path: Path, monkeypatch) -> None:
    import asyncio

    async def prepare() -> int:
        database = Database(db_url)
        await database.migrate()
        round_id = await _partnership_with_survey(database, "Fjordbyen", [
            ("municipality", 4, 20, True), ("municipality", 5, 30, True),
            ("social_enterprise", 2, 80, False), ("social_enterprise", 1, 90, True)])
        await database.close()
        return round_id

    round_id = asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(app, ["survey", "overview", "--lang", "en", "--charts", "charts"])
    assert out.exit_code == 0, out.output
    assert "Included: Fjordbyen (4)" in out.output and "Barriers by side of the table" in out.output
    assert (tmp_path / "charts" / "survey-factors.png").read_bytes().startswith(b"\x89PNG")
    out = runner.invoke(app, ["export", "fjordbyen", "--round", str(round_id), "--format", "csv", "--out", "x",
                              "--microdata"])
    assert out.exit_code == 0, out.output
    assert "3 of 4 respondents gave research consent" in out.output
    assert len(_rows((tmp_path / "x" / "microdata.csv").read_text())) == 3
    readme = (tmp_path / "x" / "README.txt").read_text(encoding="utf-8")  # every column explained
    assert "microdata.csv: the answers of the 3 of 4 respondents who said yes" in readme
    for column in ("respondent", "organisation_kind", "withheld", "constructs", "side_wording"):
        assert f"  {column}" in readme
    out = runner.invoke(app, ["export", "fjordbyen", "--round", str(round_id), "--format", "xlsx"])
    assert out.exit_code != 0 and "use csv" in out.output
    out = runner.invoke(app, ["results", "fjordbyen", "--instrument", "survey", "--lang", "en"])
    assert out.exit_code == 0 and "Chart: survey-barriers.png" in out.output


async def test_a_partner_answers_in_the_console(core, seed: Seed, db: Database, tmp_path: Path) -> None:
    async with db.session() as s:
        samson = await s.get(Round, seed.round_id)
        await round_lifecycle.close(s, await _partnership(s, samson), samson)  # type: ignore[arg-type]
        await s.commit()
    coordinator = ScriptedUser(core, "koord", tmp_path / "k")
    await coordinator.say(f"/start {seed.codes['coordinator']}", "yes", "en")
    assert "Round 1" in await coordinator.say("/round open survey Partner survey 2027")
    kari = ScriptedUser(core, "kari", tmp_path / "kari")
    out = await join(kari, seed.codes["gronn"], "nb")
    assert "(1 av 82)" in out and "forskning" in out.lower()
    inputs = survey_inputs(likert=4, barrier=55)
    inputs[0] = "ja"  # the research question takes "ja", as people say it
    out = await kari.say(*inputs[:5])
    assert "kommunen" in out  # the social enterprise reads about the municipality
    out = await kari.say("tilbake")
    assert "(5 av 82)" in out
    out = await kari.say(inputs[4], "pause")
    assert "Pause" in out
    out = await kari.say("/resume")
    assert "(6 av 82)" in out
    q70 = next(i for i, item in enumerate(SURVEY.items) if item.id == "q70")
    likert = next(i for i, item in enumerate(SURVEY.items) if item.scale == "likert5" and i >= 5)
    out = await kari.say(*inputs[5:likert], "vet ikke")  # no "can't say" here: the middle is for that
    assert "ikke «vet ikke». 3 betyr nøytral eller ikke relevant" in out
    out = await kari.say(*inputs[likert:q70], "0")
    assert "1 til 100" in out  # out of range: said, nothing stored
    out = await kari.say("hopp over", *inputs[q70 + 1:])
    assert "Takk! Du har svart på partnerundersøkelsen" in out
    assert "Den gir ingen egen profil" in await kari.say("/results")  # not "you haven't answered anything"
    async with db.session() as s:
        consent = (await s.exec(select(Answer).where(Answer.item_id == "research_consent"))).one()
    assert consent.text == "yes"


async def _partnership(session, round_: Round):
    from storage.models import Partnership

    return await session.get(Partnership, round_.partnership_id)


async def test_the_coordinator_summary_carries_the_barriers_by_side(db: Database) -> None:
    from bot.summaries import summary_replies
    from storage.models import Partnership

    round_id = await _partnership_with_survey(db, "Fjordbyen", [
        ("municipality", 4, 20, True), ("municipality", 5, 30, True),
        ("social_enterprise", 2, 80, True), ("social_enterprise", 1, 90, True)])
    async with db.session() as s:
        partnership = await s.get(Partnership, (await s.get(Round, round_id)).partnership_id)  # type: ignore[union-attr]
        replies = await summary_replies(s, partnership, "en", "weekly")  # type: ignore[arg-type]
    text = "\n".join(r.text for r in replies)
    assert "Barriers by side of the table" in text
    assert "• Municipality: Not invented here 25 (n 2)" in text
    assert 'Why do we see "Search" so differently? (municipality 25, the other side 85)' in text


async def test_the_report_of_a_partnership_with_only_a_survey_is_the_surveys(db: Database) -> None:
    from bot.reports import make_report
    from storage.models import Partnership

    round_id = await _partnership_with_survey(db, "Sjøbyen", [
        ("municipality", 4, 20, True), ("municipality", 5, 40, True),
        ("social_enterprise", 2, 80, True), ("social_enterprise", 3, 60, True)])
    async with db.session() as s:
        round_ = await s.get(Round, round_id)
        partnership = await s.get(Partnership, round_.partnership_id)  # type: ignore[union-attr]
        pdf, name = await make_report(s, partnership, "en")  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
