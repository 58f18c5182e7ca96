"""Two workers on one database: double taps and duplicated updates, counted.

    python bench/workers.py [--database-url postgresql://…] [--people 50] [--taps 1000]

Two bot cores, each with its own engine (as two processes would have), share one
database (an empty PostgreSQL database, or a SQLite file by default). Every person
is at a statement; then, ``--taps`` times in all:

- a **double tap**: two taps with different values on the same statement, one to
  each worker at the same moment. Exactly one may be stored, and it must be the one
  whose tap was answered with the next statement; the other gets a notice.
- a **duplicated update**: the same update (same key) to both workers. One applies
  it, the other stays silent.

Printed: overwritten answers, false error messages, duplicates applied twice, and taps/s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from bot.dispatch import BotCore  # noqa: E402
from bot.events import Event, EventKind, Reply  # noqa: E402
from core.instrument import load_instrument  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Answer, Response  # noqa: E402
from storage.partnerships import add_organisation, create_invite, create_partnership  # noqa: E402
from storage.rounds import open_round  # noqa: E402

keys = itertools.count()
figures = {"double taps": 0, "overwritten": 0, "false errors": 0, "duplicates": 0, "applied twice": 0}


def event(user: str, kind: EventKind, payload: str, ref: str | None = None, key: str | None = None) -> Event:
    return Event("bench", "w", f"dm:{user}", user, kind, payload, update_key=key or f"u{next(keys)}", ref=ref,
                 locale_hint="en")


def question(replies: list[Reply]) -> str | None:
    return next((r.ref for r in replies if r.ref), None)


def count_errors(replies: list[Reply]) -> None:
    figures["false errors"] += sum(r.is_error and not r.notice for r in replies)


async def person(a: BotCore, b: BotCore, user: str, taps: int) -> dict[str, str]:
    """Join, then double-tap and duplicate; returns the acknowledged value per question ref."""
    await a.handle(event(user, EventKind.COMMAND, "start BENCH"))
    await a.handle(event(user, EventKind.CHOICE, "consent_yes"))
    ref = question(await a.handle(event(user, EventKind.CHOICE, "en")))
    acknowledged: dict[str, str] = {}
    for n in range(taps):
        assert ref is not None, f"{user} has no question"
        if n % 2 == 0:  # a double tap: 7 on one worker, 3 on the other
            first, second = await asyncio.gather(a.handle(event(user, EventKind.CHOICE, "7", ref)),
                                                  b.handle(event(user, EventKind.CHOICE, "3", ref)))
            figures["double taps"] += 1
            winners = [(value, replies) for value, replies in (("7", first), ("3", second))
                       if question(replies) not in (None, ref)]
            if len(winners) == 1:
                acknowledged[ref] = winners[0][0]
                ref = question(winners[0][1])
            else:
                figures["overwritten"] += len(winners) > 1
        else:  # the same update reaching both workers
            shared = event(user, EventKind.CHOICE, "5", ref)
            first, second = await asyncio.gather(a.handle(shared), b.handle(shared))
            figures["duplicates"] += 1
            figures["applied twice"] += bool(first) and bool(second)
            acknowledged[ref] = "5"
            ref = question(first or second)
        count_errors(first + second)
    return acknowledged


async def main(url: str, people: int, taps: int) -> None:
    db_a, db_b = Database(url), Database(url)
    await db_a.migrate()
    async with db_a.session() as s:
        p = await create_partnership(s, "Workers", k=3)
        org = await add_organisation(s, p, "Kommune", "municipality")
        await create_invite(s, p, organisation=org, code="BENCH")
        await open_round(s, p, "samson", title="Bench")
        await s.commit()
    a, b = BotCore(db_a), BotCore(db_b)
    per_person = max(2, min(taps // people, 50))
    started = time.monotonic()
    results = await asyncio.gather(*(person(a, b, f"p{n}", per_person) for n in range(people)))
    elapsed = time.monotonic() - started
    async with db_a.session() as s:
        stored = {(r.item_id, r.response_id): r.text if r.number is None else f"{r.number:g}"
                  for r in (await s.exec(select(Answer))).all()}
        responses = {r.id: r for r in (await s.exec(select(Response))).all()}
        rows = (await s.exec(select(func.count()).select_from(Answer))).one()
    figures["overwritten"] += len(stored) != rows  # two rows for one statement
    items = load_instrument("samson").items
    for acknowledged in results:  # what is stored is what the person was told was stored
        for ref, value in acknowledged.items():
            response_id, position = (int(x) for x in ref.split("."))
            figures["overwritten"] += stored.get((items[position].id, responses[response_id].id)) != value
    await db_a.close()
    await db_b.close()
    backend = url.split(":", 1)[0]
    print(f"two workers on {backend}, {people} people, {sum(len(r) for r in results)} statements answered "
          f"in {elapsed:.1f} s ({(figures['double taps'] * 2 + figures['duplicates'] * 2) / elapsed:.0f} taps/s)")
    for name, value in figures.items():
        print(f"  {name:14} {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{tempfile.mkdtemp(prefix='samson-bench-')}/w.db")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--taps", type=int, default=2000, help="double taps plus duplicated updates, in all")
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.people, args.taps))
