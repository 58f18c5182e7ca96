"""Benchmarks for the foundation; prints figures (no pass/fail).

    python bench/run.py [--users 20] [--renders 40] [--open 10000]

1. Answers per second through the console path (adapter → bot core → SQLite).
2. Median spider render time, cold (new values) and cached, beside the gallery
   radar example rendered at the same size in the same run.
3. Resident memory (RSS) with 100 and with 10,000 open responses.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gallery_radar import render_gallery_radar  # noqa: E402
from bot.adapters.console import ConsoleAdapter  # noqa: E402
from bot.dispatch import BotCore  # noqa: E402
from core.charts import DPI, SIZE_INCHES, clear_cache  # noqa: E402
from core.instrument import load_instrument  # noqa: E402
from core.report import overview_chart  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Membership, Person, Response  # noqa: E402
from storage.partnerships import add_organisation, create_invite, create_partnership  # noqa: E402
from storage.rounds import open_round  # noqa: E402

SAMSON = load_instrument("samson")


async def _seed(db: Database) -> tuple[str, int, int, int]:
    async with db.session() as s:
        p = await create_partnership(s, "Bench", k=3)
        org = await add_organisation(s, p, "Bench kommune", "municipality")
        invite = await create_invite(s, p, organisation=org, code="BENCH-1")
        r = await open_round(s, p, "samson")
        await s.commit()
        return invite.code, p.id, org.id, r.id  # type: ignore[return-value]


async def answers_per_second(users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        await db.migrate()
        code, *_ = await _seed(db)
        core = BotCore(db)
        adapters = [
            ConsoleAdapter(core, user=f"u{i}", stdin=io.StringIO(), stdout=io.StringIO(), charts_dir=Path(tmp))
            for i in range(users)
        ]
        for a in adapters:
            for line in (f"/start {code}", "yes", "en"):
                await a.send(line)
        lines = [str(random.randint(1, 10)) for _ in SAMSON.items[:-1]]  # stop before completion charts
        start = time.perf_counter()
        for a in adapters:
            for line in lines:
                await a.send(line)
        elapsed = time.perf_counter() - start
        total = users * len(lines)
        await db.close()
    print(f"answers/s (console → core → SQLite): {total / elapsed:,.0f}  ({total} answers in {elapsed:.2f} s)")


def render_times(renders: int) -> None:
    fields = [f.id for f in SAMSON.fields]
    rng = random.Random(1)

    def values() -> dict[str, float]:
        return {f: round(rng.uniform(1, 10), 2) for f in fields}

    clear_cache()
    overview_chart(SAMSON, "nb", "warm-up", values(), values())  # build the template once
    cold, warm, gallery = [], [], []
    specs = [(values(), values(), values()) for _ in range(renders)]
    for scores, weights, previous in specs:
        t0 = time.perf_counter()
        overview_chart(SAMSON, "nb", "Profil", scores, weights, previous)
        cold.append(time.perf_counter() - t0)
    for scores, weights, previous in specs:
        t0 = time.perf_counter()
        overview_chart(SAMSON, "nb", "Profil", scores, weights, previous)
        warm.append(time.perf_counter() - t0)
    labels = [f.title.get("nb") for f in SAMSON.fields]
    for scores, weights, _ in specs:
        t0 = time.perf_counter()
        render_gallery_radar(labels, [list(scores.values()), list(weights.values())], SIZE_INCHES, DPI)
        gallery.append(time.perf_counter() - t0)
    g = statistics.median(gallery)
    c = statistics.median(cold)
    w = statistics.median(warm)
    print(f"spider render median, {int(SIZE_INCHES * DPI)} px: new values {c * 1000:.1f} ms ({c / g:.2f}× gallery), "
          f"repeated values (cache) {w * 1000:.3f} ms ({w / g:.4f}× gallery); gallery radar example {g * 1000:.1f} ms")


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


async def rss_open_responses(target: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/rss.db")
        await db.migrate()
        code, partnership_id, org_id, round_id = await _seed(db)
        core = BotCore(db)
        from bot.events import Event, EventKind
        from storage.models import Identity, utcnow

        async def grow(upto: int, have: int) -> None:
            async with db.session() as s:
                for i in range(have, upto):
                    person = Person(display_name=f"p{i}", lang="en", consent_at=utcnow())
                    s.add(person)
                    await s.flush()
                    s.add(Membership(person_id=person.id, partnership_id=partnership_id, organisation_id=org_id))
                    resp = Response(round_id=round_id, person_id=person.id, organisation_id=org_id)
                    s.add(resp)
                    await s.flush()
                    s.add(Identity(person_id=person.id, platform="console", workspace="local", user_id=f"p{i}",
                                   awaiting="round", active_response_id=resp.id,
                                   current_partnership_id=partnership_id))
                await s.commit()
            # every open response gets one answer through the bot core
            for i in range(have, upto):
                await core.handle(Event("console", "local", f"c{i}", f"p{i}", EventKind.TEXT, "7",
                                        update_key=f"rss-{i}"))

        await grow(100, 0)
        small = rss_mb()
        await grow(target, 100)
        large = rss_mb()
        await db.close()
    print(f"RSS with 100 open responses: {small:.1f} MB; with {target:,}: {large:.1f} MB; "
          f"growth {large - small:+.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20, help="console users answering a round")
    parser.add_argument("--renders", type=int, default=40, help="charts per render series")
    parser.add_argument("--open", type=int, default=10_000, help="open responses for the RSS figure")
    args = parser.parse_args()
    asyncio.run(answers_per_second(args.users))
    render_times(args.renders)
    asyncio.run(rss_open_responses(args.open))


if __name__ == "__main__":
    main()
