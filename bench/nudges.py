"""Time to select due nudges on SQLite; prints figures (no pass/fail).

    python bench/nudges.py [--partnerships 1000] [--scale 10] [--repeat 20]

Builds 10 organisations × 10 people per partnership (1,000 partnerships =
100,000 people), then times ``due_nudge_targets`` — the one indexed query the
scheduler uses — at that size and at ``scale`` times that size. Two cases:
steady state (50 organisations became due since the last tick) and a backlog
(1 % of organisations due, e.g. after downtime; one tick takes at most 1,000).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.contacts import due_nudge_targets  # noqa: E402
from storage.db import Database  # noqa: E402

ORGS, PEOPLE = 10, 10
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: str, partnerships: int, due_orgs: int) -> None:
    """Bulk-load with the sqlite3 module (the schema comes from the migrations)."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    created = stamp(NOW - timedelta(days=400))
    con.executemany(
        "INSERT INTO partnership (id, name, slug, k_threshold, timezone, contact_frequency, checkin_day, checkin_time,"
        " checkin_window_days, summary_day, summary_time, quiet_hours, created_at)"
        " VALUES (?, ?, ?, 3, 'Europe/Oslo', 'monthly', 'first-weekday', '10:00', 7, 'mon', '08:00', '20:00-08:00', ?)",
        ((p, f"P{p}", f"p{p}", created) for p in range(1, partnerships + 1)))
    total_orgs = partnerships * ORGS
    step = max(1, total_orgs // max(1, due_orgs))

    def org_rows():
        for o in range(1, total_orgs + 1):
            due = NOW - timedelta(hours=1) if o % step == 0 and o // step <= due_orgs else NOW + timedelta(days=o % 30 + 1)
            yield (o, (o - 1) // ORGS + 1, f"Org {o}", stamp(due - timedelta(days=30)), stamp(due), stamp(due))

    con.executemany("INSERT INTO organisation (id, partnership_id, name, kind, last_contact_at, contact_due_at,"
                    " next_nudge_at) VALUES (?, ?, ?, 'ngo', ?, ?, ?)", org_rows())
    people = total_orgs * PEOPLE
    con.executemany("INSERT INTO person (id, display_name, consent_at, created_at) VALUES (?, ?, ?, ?)",
                    ((n, f"Person {n}", created, created) for n in range(1, people + 1)))
    con.executemany("INSERT INTO membership (person_id, partnership_id, organisation_id, role, joined_at)"
                    " VALUES (?, ?, ?, 'partner', ?)",
                    ((n, (n - 1) // (ORGS * PEOPLE) + 1, (n - 1) // PEOPLE + 1, created) for n in range(1, people + 1)))
    con.executemany("INSERT INTO identity (person_id, platform, workspace, user_id, dm_channel, unreachable)"
                    " VALUES (?, 'telegram', 'bot', ?, ?, 0)", ((n, str(n), str(n)) for n in range(1, people + 1)))
    con.commit()
    con.execute("ANALYZE")
    con.close()


async def measure(partnerships: int, due_orgs: int, repeat: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/nudges.db"
        db = Database(f"sqlite:///{path}")
        await db.migrate()
        await db.close()
        fill(path, partnerships, due_orgs)
        db = Database(f"sqlite:///{path}")
        times, found = [], 0
        async with db.session() as session:
            for _ in range(repeat):
                started = time.perf_counter()
                found = len(await due_nudge_targets(session, NOW))
                times.append((time.perf_counter() - started) * 1000)
        await db.close()
        return statistics.median(times), found


async def main(partnerships: int, scale: int, repeat: int) -> None:
    for label, due in (("steady state, 50 organisations due", 50), ("backlog, 1 % of organisations due", None)):
        results = []
        for size in (partnerships, partnerships * scale):
            due_orgs = due if due is not None else size * ORGS // 100
            ms, found = await measure(size, due_orgs, repeat)
            results.append((ms, found))
            print(f"{label}: {size:,} partnerships, {size * ORGS * PEOPLE:,} people → "
                  f"{found:,} nudges selected in {ms:.1f} ms (median of {repeat})", flush=True)
        (small, small_found), (large, large_found) = results
        if small_found == large_found:
            print(f"  growth for {scale}× data: {large / small:.2f}× (targets ≤ 100 ms, ≤ 2×)", flush=True)
        else:  # a backlog grows with the data: the time per nudge selected is what must not grow
            per_nudge = (large / large_found) / (small / small_found)
            print(f"  {large_found / small_found:.0f}× the nudges for {scale}× data: {large / small:.2f}× the time, "
                  f"{per_nudge:.2f}× per nudge (targets ≤ 100 ms a tick, ≤ 2× per nudge)", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partnerships", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.partnerships, args.scale, args.repeat))
