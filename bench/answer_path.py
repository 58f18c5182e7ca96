"""CPU per answer on the bot's own path, without any network: store the tap, apply it, mark the reply sent.

    python bench/answer_path.py [--people 20] [--answers 40]

``--people`` residents (each in a round of 54 statements) answer ``--answers`` statements
each, all at once, through ``BotCore`` on a SQLite file: ``accept`` (the inbox),
``handle`` (the answer, the next question into the outbox) and ``delivered`` (marked
sent). Side by side in the same run: the same path on SQLAlchemy's stock aiosqlite
adapter (four trips to aiosqlite's thread per statement) and on ours (one trip).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.telegram_runtime import CODE, seed  # noqa: E402
from bot.dispatch import BotCore  # noqa: E402
from bot.events import Event, EventKind  # noqa: E402
from storage.db import Database  # noqa: E402


async def run(stock: bool, people: int, answers: int) -> float:
    """CPU ms per answer (this process, all threads)."""
    workdir = Path(tempfile.mkdtemp(prefix="samson-path-"))
    await seed(workdir)  # the round of 54 statements, open to residents with the invite CODE
    url = f"sqlite:///{workdir / 'bench.db'}"
    keys = itertools.count()

    def event(user: str, kind: EventKind, payload: str, ref: str | None = None) -> Event:
        return Event(platform="telegram", workspace="1", channel=user, user=user, kind=kind, payload=payload,
                     update_key=f"tg:1:{next(keys)}", display_name=user, locale_hint="nb", ref=ref)

    async def step(core: BotCore, e: Event) -> str | None:
        await core.accept_many([e])
        replies = await core.handle(e)
        await core.delivered(e)
        return next((r.ref for r in reversed(replies) if r.ref), None)

    if stock:  # no ``module`` for the engine: SQLAlchemy's own aiosqlite adapter
        with mock.patch("storage.sqlite_driver.OneTripDBAPI", lambda: None):
            db = Database(url)
    else:
        db = Database(url)
    core = BotCore(db)
    refs: dict[str, str | None] = {}
    for n in range(people):
        user = str(7000 + n)
        await step(core, event(user, EventKind.COMMAND, f"start {CODE}"))
        await step(core, event(user, EventKind.CHOICE, "consent_yes"))
        refs[user] = await step(core, event(user, EventKind.CHOICE, "nb"))
    started = time.process_time()
    for n in range(answers):
        async def answer(user: str, value: str) -> None:
            refs[user] = await step(core, event(user, EventKind.CHOICE, value, ref=refs[user]))
        await asyncio.gather(*(answer(user, str(1 + n % 10)) for user in refs))
    spent = time.process_time() - started
    await db.close()
    return spent / (people * answers) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--answers", type=int, default=40)
    args = parser.parse_args()
    stock = asyncio.run(run(True, args.people, args.answers))
    ours = asyncio.run(run(False, args.people, args.answers))
    print(f"CPU per answer, {args.people} residents at once: stock aiosqlite adapter {stock:.2f} ms, "
          f"one trip per statement {ours:.2f} ms ({ours / stock:.2f} ×)")


if __name__ == "__main__":
    main()
