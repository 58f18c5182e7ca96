"""Quit, start a new process on the same database, and continue exactly where you left off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _samson(db: Path, workdir: Path, stdin: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "LANG": "en_GB.UTF-8"}
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--user", "resumer", *args],
        input=stdin, capture_output=True, text=True, env=env, cwd=workdir, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_resume_in_new_process(tmp_path: Path) -> None:
    db = tmp_path / "samson.db"
    first = _samson(db, tmp_path, "yes\nen\n8\n7\n6\n5\n9\nidea\nNeutral meeting place\nb\npause\n")
    assert "(5 of 54)" in first and "Idea saved" in first and "Paused" in first

    second = _samson(db, tmp_path, "3\n")
    assert "Welcome back! You're continuing at question 6 of 54." in second
    assert "(6 of 54) We take the time we need" in second
    assert "(7 of 54)" in second  # the answer typed in the new process moved on

    third = _samson(db, tmp_path, "back\n")
    assert "question 7 of 54" in third and "(6 of 54)" in third and "(Your answer so far: 3)" in third


def test_quit_mid_idea_resumes_at_same_statement(tmp_path: Path) -> None:
    db = tmp_path / "samson.db"
    _samson(db, tmp_path, "yes\nen\n8\n7\n6\n5\nidea\n")  # EOF while asked for an idea
    again = _samson(db, tmp_path, "Shared lunch\nb\n4\n")
    assert "Type your idea for action on \"Trust\"" in again
    assert "Idea saved" in again and "(6 of 54)" in again
