"""How fast Slack gets its ack while group charts are being rendered; prints figures (no pass/fail).

    python bench/slack_ack.py [--requests 300] [--renders 30]

Runs the real Bolt app over HTTP against the fake Slack Web API from the tests.
Every ``/samson group`` renders a chart from scratch (the chart cache is cleared),
while a stream of signed button clicks and commands measures the time until
Slack would get its HTTP 200.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import round_lifecycle  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from core.charts import clear_cache  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Identity, Membership, Person, utcnow  # noqa: E402
from storage.partnerships import add_organisation, create_partnership  # noqa: E402
from storage.rounds import open_round  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_driver import SlackDriver  # noqa: E402
from tests.seeding import completed_person  # noqa: E402

SECRET = "bench-secret"


async def seed(url: str, users: int) -> None:
    db = Database(url)
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bench", k=3)
        org = await add_organisation(s, p, "Kommune", "municipality")
        round_ = await open_round(s, p, "samson", title="Bench")
        for n in range(3):
            await completed_person(s, round_, org.id, f"Done {n}", seed=n)
        await round_lifecycle.close(s, p, round_)  # /group shows the published result
        for n in range(users):
            person = Person(display_name=f"U{n}", lang="en", consent_at=utcnow())
            s.add(person)
            await s.flush()
            s.add(Membership(person_id=person.id, partnership_id=p.id, organisation_id=org.id))
            s.add(Identity(person_id=person.id, platform="slack", workspace="T1", user_id=f"U{n}",
                           dm_channel=f"DU{n}", current_partnership_id=p.id))
        await s.commit()
    await db.close()


async def main(requests: int, renders: int) -> None:
    fake = await FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        await seed(url, users=20)
        runtime = Runtime(Settings(database_url=url, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                                   slack_api_url=fake.api_url, samson_http_port=0, _env_file=None))
        await runtime.start()
        runtime.slack.sender.pace(per_second=1000, burst=1000)
        driver = SlackDriver(f"http://127.0.0.1:{runtime.web.port}/slack/events", SECRET, fake)
        await driver.command("U0", "DU0", "help")  # warm up (auth.test, users.info)

        async def charts() -> None:
            for n in range(renders):
                clear_cache()
                await driver.command(f"U{n % 20}", f"DU{n % 20}", "group")
                await asyncio.sleep(0.05)

        async def clicks() -> list[float]:
            times = []
            for n in range(requests):
                status, _, seconds = await driver.command(f"U{n % 20}", f"DU{n % 20}", "help")
                assert status == 200
                times.append(seconds * 1000)
                await asyncio.sleep(0.01)
            return times

        started = time.perf_counter()
        _, acks = await asyncio.gather(charts(), clicks())
        elapsed = time.perf_counter() - started
        await fake.wait_for(lambda: len(fake.uploads) >= renders, timeout=120)
        acks.sort()
        p99 = acks[min(len(acks) - 1, int(len(acks) * 0.99))]
        print(f"ack latency over {len(acks)} requests while {renders} group charts rendered in {elapsed:.1f} s: "
              f"median {statistics.median(acks):.1f} ms, p99 {p99:.1f} ms, max {acks[-1]:.1f} ms (target p99 ≤ 300 ms)")
        await driver.close()
        await runtime.stop()
    await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.renders))
