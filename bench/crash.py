"""``kill -9`` at random moments while residents answer: is any tap or reply lost?

    python bench/crash.py [--runs 20] [--residents 5]

The bot runs as its own process (``samson run``) on one SQLite file against the
fake Bot API (``bench/telegram_runtime.py``'s). Each run kills it with SIGKILL at a
random moment while residents tap as fast as each next statement appears, then
starts it again. Taps confirmed to Telegram are in the inbox; replies are in the
outbox; the restarted process finishes both (claim lease and recovery grace set
to 2 s here, through ``SAMSON_CLAIM_LEASE_SECONDS`` and ``SAMSON_RECOVERY_GRACE_SECONDS``).

A resident who finishes the round (its profile photo arrives) is replaced by a
newcomer who joins with ``/start``, so every run has ``--residents`` tapping.

Printed: taps, answers stored, taps told "earlier question", residents left without
a next statement, and statements that arrived twice. A reply whose send went out just
before the kill is sent again once its claim lapses (at least once, never lost); it edits
the tapped message, so a repeat changes nothing there. A tap is lost only if answers
stored + notices < taps.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.telegram_runtime import CODE, Watched, choose, seed, start_bot, wait_polling  # noqa: E402

STUCK_AFTER = 30.0


class Resident:
    """Taps whatever appears next, until told to stop; counts what it tapped."""

    def __init__(self, fake: Watched, uid: int) -> None:
        self.fake, self.uid = fake, uid
        self.user = fake.user(uid, f"R{uid}", "nb")
        self.answers = 0
        self.stuck = False
        self.finished = False
        self.seen: tuple | None = None
        self.texts: list[str] = []
        self.untapped = None

    async def run(self, stop: asyncio.Event) -> None:
        event = self.fake.events.setdefault(self.uid, asyncio.Event())
        if self.seen is None:
            self.fake.say(self.user, f"/start {CODE}")
        if self.untapped is not None and self.untapped.keyboard:  # the statement shown when the last run stopped
            self.tap(self.untapped)
        while True:
            deadline = time.monotonic() + STUCK_AFTER
            while (message := self.fake.latest.get(self.uid)) is None or (message.message_id, message.text) == self.seen:
                if any(sent.photo for sent in self.fake.to_chat.get(self.uid, [])):  # the round's profile: done
                    self.finished = True
                    return
                event.clear()
                try:
                    await asyncio.wait_for(event.wait(), max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    self.stuck = True
                    return
            self.seen = (message.message_id, message.text)
            if not message.keyboard:  # the last statement, answered: the profile comes next
                continue
            self.texts.append(message.text.rsplit("\n\n", 1)[-1])
            if stop.is_set():
                self.untapped = message
                return
            self.tap(message)

    def tap(self, message) -> None:  # type: ignore[no-untyped-def]
        self.untapped = None
        data, is_answer = choose(message)
        self.fake.push(self.fake.callback_update(self.user, message, data))
        self.answers += is_answer


async def main(runs: int, residents: int) -> None:
    fake = await Watched().start()
    workdir = Path(tempfile.mkdtemp(prefix="samson-crash-"))
    await seed(workdir)
    env = {"SAMSON_CLAIM_LEASE_SECONDS": "2", "SAMSON_RECOVERY_GRACE_SECONDS": "2"}
    people: list[Resident] = []
    for run in range(runs):
        active = [p for p in people if not (p.stuck or p.finished)]
        people += [Resident(fake, 30_000 + len(people) + n) for n in range(residents - len(active))]  # newcomers join
        proc = start_bot("samson", fake, workdir, env)
        await wait_polling(fake, proc)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(p.run(stop)) for p in people if not (p.stuck or p.finished)]
        await asyncio.sleep(random.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc = start_bot("samson", fake, workdir, env)  # the residents keep tapping what they see
        await wait_polling(fake, proc)
        await asyncio.sleep(1.0)
        stop.set()  # each stops once its next statement has come
        await asyncio.gather(*tasks)
        proc.terminate()  # the fake keeps answering while the bot finishes what is in flight
        await asyncio.to_thread(proc.wait, 30)
        print(f"run {run + 1}: {sum(p.answers for p in people)} answers tapped, {sum(p.finished for p in people)} "
              f"residents finished the round, {sum(p.stuck for p in people)} without their next statement", flush=True)
    await fake.stop()
    with sqlite3.connect(workdir / "bench.db") as db:
        stored = db.execute("SELECT count(*) FROM answer").fetchone()[0]
    repeated = sum(len(p.texts) - len(set(p.texts)) for p in people)
    stale = sum("tidligere spørsmål" in m.text for p in people for m in fake.to_chat.get(p.uid, []))
    print(f"{runs} kill -9 runs, {len(people)} residents ({sum(p.finished for p in people)} finished the round of 54): "
          f"{sum(p.answers for p in people)} answer taps, {stored} answers stored, "
          f"{stale} taps on a question shown twice (a reply re-sent after the crash) told 'earlier question', "
          f"{sum(p.stuck for p in people)} residents without a next statement within {STUCK_AFTER:.0f} s, "
          f"{repeated} statements shown twice")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--residents", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.residents))
