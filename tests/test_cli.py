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
    assert "language of channel and group messages: sv" in ok("partnership", "set", "fjordbyen", "--lang", "sv")
    assert "unknown language 'xx'" in fails("partnership", "set", "fjordbyen", "--lang", "xx")
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
    assert "Fjordbyen kommune [municipality]: 1 completed, 0 in progress" in status
    assert "completed: alma" in status and "in progress: cato" in status
    assert "Total completed: 2" in status
    assert "10.0" not in status and "w.openness" not in status  # never what they answered

    assert "No group profile has been published yet" in ok("results", "fjordbyen", "--lang", "en")
    assert "fewer than 3 people" in fails("round", "publish", "fjordbyen")  # 2 completed: nothing to publish
    asyncio.run(_answer(env, codes[0], "dina", tmp_path))
    assert "No group profile has been published yet" in ok("results", "fjordbyen", "--lang", "en")  # never live
    assert "interim result of 'Høst 2026' over 3 responses" in ok("round", "publish", "fjordbyen")
    out = ok("results", "fjordbyen", "--lang", "sv", "--out", "g.png")
    assert "Gruppprofil över 3 svar" in out and "(preliminär)" in out
    assert Image.open(tmp_path / "g.png").size == (600, 600)

    assert "Closed round 'Høst 2026'" in ok("round", "close", "fjordbyen")
    assert "(preliminär)" not in ok("results", "fjordbyen", "--lang", "sv", "--out", "g.png")
    assert "already closed" in fails("round", "close", "fjordbyen")
    ok("round", "open", "fjordbyen")
    assert "#2" in ok("round", "status", "fjordbyen")


def test_cli_errors_are_clear(env: str) -> None:
    assert "no partnership 'nowhere'" in fails("org", "add", "nowhere", "X")
    ok("partnership", "create", "P")
    assert "unknown kind 'town'" in fails("org", "add", "p", "X", "--kind", "town")
    assert "need --org" in fails("invite", "create", "p")
    assert "no organisation 'ghost'" in fails("invite", "create", "p", "--org", "ghost")
    assert "unknown time zone" in fails("partnership", "create", "Q", "--tz", "Mars/Base")
    assert "no round" in fails("round", "status", "p")
    assert "unknown instrument 'nope'" in fails("round", "open", "p", "--instrument", "nope")


def test_instruments_check(tmp_path: Path) -> None:
    listing = ok("instruments", "check")
    assert "ok  samson/v1.yaml: samson v1, 54 items" in listing and "ok  survey/v1.yaml: survey v1, 82 items" in listing
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nkind: survey\ntitle: {nb: a, sv: b}\nsections: []\n", encoding="utf-8")
    out = fails("instruments", "check", str(bad))
    assert "bad.yaml" in out and "'en' is missing" in out
