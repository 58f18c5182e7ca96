"""``samson assist``: a coordinator answers with a resident; the same name again continues, never a new person."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from bot import round_lifecycle
from bot.cli import app
from core.i18n import t
from core.instrument import load_instrument
from storage.db import Database
from storage.models import Answer, Invite, Membership, Person, Response
from storage.partnerships import add_organisation, create_invite, create_partnership

RESIDENTS = load_instrument("residents")
runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    async def prepare() -> None:
        db = Database(db_url)
        await db.migrate()
        async with db.session() as s:
            p = await create_partnership(s, "Bydel Øst", k=3)
            residents = await add_organisation(s, p, "Innbyggere", "residents")
            await create_invite(s, p, organisation=residents, role="resident", code="R-1", max_uses=1)
            await create_invite(s, p, organisation=residents, role="resident", code="R-2", max_uses=1)
            other = await create_partnership(s, "Sandvik", k=3)
            await create_invite(s, other, organisation=await add_organisation(s, other, "Folk", "residents"),
                                role="resident", code="S-1")
            await round_lifecycle.open_(s, p, "samson", title="Vår 2027", audience="all")
            await s.commit()
        await db.close()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return db_url


def assist(*args: str, input: str) -> str:
    result = runner.invoke(app, ["assist", "bydel-ost", *args], input=input)
    assert result.exit_code == 0, result.output
    return result.output


async def _counts(url: str) -> tuple[list[Person], int, int, int]:
    """The people, memberships, uses of R-1 and answers in the database."""
    db = Database(url)
    async with db.session() as s:
        people = list((await s.exec(select(Person))).all())
        members = (await s.exec(select(func.count()).select_from(Membership))).one()
        uses = (await s.exec(select(Invite.uses).where(Invite.code == "R-1"))).one()
        answers = (await s.exec(select(func.count()).select_from(Answer).join(Response))).one()
    await db.close()
    return people, members, uses, answers


def test_assist_again_continues_the_same_person(env: str) -> None:
    first = assist("--invite", "R-1", "--name", "Amina", "--lang", "so", input="maybe\nyes\n5\n6\n7\n")
    assert "Assisted answering for Amina (Bydel Øst, Innbyggere, in Soomaali)" in first
    assert "type a (or yes) once they agree" in first  # the coordinator consents for the resident
    assert t("so", "consent.required") in first and '"yes"' not in first  # the prompt names the Somali words
    assert t("so", "consent.given") in first
    assert t("so", "lang.ask") not in first  # --lang so: no language question
    assert RESIDENTS.items[2].wording("so") in first

    again = assist("--invite", "R-1", "--name", "amina", "--lang", "so", input="8\n")
    assert "Continuing Amina's answers: 3 of 24 done" in again
    assert t("so", "consent.ask") not in again and RESIDENTS.items[3].wording("so") in again

    people, members, uses, answers = asyncio.run(_counts(env))
    assert [(p.display_name, p.assisted, p.lang) for p in people] == [("Amina", True, "so")]  # one person, assisted
    assert people[0].consent_at is not None and (members, uses, answers) == (1, 1, 4)


def test_assist_refuses_a_used_or_foreign_code_and_asks_the_language_without_lang(env: str) -> None:
    assist("--invite", "R-1", "--name", "Amina", input="")
    used = runner.invoke(app, ["assist", "bydel-ost", "--invite", "R-1", "--name", "Faadumo"], input="")
    assert used.exit_code == 1 and "used up" in used.output
    foreign = runner.invoke(app, ["assist", "bydel-ost", "--invite", "S-1", "--name", "Faadumo"], input="")
    assert foreign.exit_code == 1 and "no invite code 'S-1' in bydel-ost" in foreign.output
    assert len(asyncio.run(_counts(env))[0]) == 1  # no Faadumo was left behind

    out = assist("--invite", "R-2", "--name", "Faadumo", input="a\n")
    assert t("nb", "lang.ask") in out  # no --lang: asked after consent
