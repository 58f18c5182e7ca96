"""The Telegram runtime from outside: the bot as its own process against a strict fake Bot API.

    python bench/telegram_runtime.py [--onboard 300] [--residents 100] [--answers 20] [--broadcast 2000] [--rounds 1]

Side by side in the same run, against the same strict fake (429 above 30 msg/s
overall, a burst of 3 then 1/s per private chat, 20/min per group):

- **bare PTB**: ``bench/bare_ptb.py``, a python-telegram-bot bot with state in memory;
- **samson**: ``samson run`` on a SQLite file, the real round of 54 statements.

Ack latency is measured twice: from the tap (as the person feels it, including the
fake's own queueing on this machine) and from the moment getUpdates handed the tap to
the bot.

Figures: idle RSS; callback ack latency (p50/p99) and "query is too old" while
``--onboard`` residents start at once; answers/s and CPU per answer while
``--residents`` residents each answer ``--answers`` statements as fast as the next
one appears; 429s; and for samson, ``--broadcast`` round invitations (messages/s,
time to the first). No pass/fail: the figures go in the note.

This machine's CPU figures drift from run to run (a shared virtual machine):
``--rounds 3`` runs bare PTB and samson alternately three times and prints each
figure's median, with the CPU ratio of every pair.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.strict_telegram import StrictTelegram  # noqa: E402
from tests.fakes.telegram_api import TOKEN, Sent  # noqa: E402

CODE = "BENCH-1"
WAIT = 60.0


class Watched(StrictTelegram):
    """The strict fake, telling waiting residents when their chat changed (no polling)."""

    def __init__(self) -> None:
        super().__init__()
        self.latest: dict[int, Sent] = {}
        self.events: dict[int, asyncio.Event] = {}

    def _touch(self, chat_id: int) -> None:
        for sent in reversed(self.to_chat.get(chat_id, [])):
            if sent.keyboard:
                self.latest[chat_id] = sent
                break
        self.events.setdefault(chat_id, asyncio.Event()).set()

    @property
    def to_chat(self) -> dict[int, list[Sent]]:
        if not hasattr(self, "_by_chat"):
            self._by_chat: dict[int, list[Sent]] = {}
        return self._by_chat

    def _record(self, p: dict, result: object) -> object:
        if isinstance(result, dict):  # sent, not refused
            self.to_chat.setdefault(int(p["chat_id"]), []).append(self.sent[-1])
            self._touch(int(p["chat_id"]))
        return result

    async def m_sendMessage(self, p: dict):
        return self._record(p, await super().m_sendMessage(p))

    async def m_sendPhoto(self, p: dict):
        return self._record(p, await super().m_sendPhoto(p))

    async def m_editMessageText(self, p: dict):
        result = await super().m_editMessageText(p)
        if isinstance(result, dict):
            self._touch(int(p["chat_id"]))
        return result


def choose(message: Sent) -> tuple[str, bool]:
    """The button a resident taps: consent, Norwegian, else a number; and whether it is an answer."""
    data = [b.get("callback_data", "") for row in message.keyboard for b in row]
    for wanted in ("consent_yes", "nb"):
        for d in data:
            if d.endswith("|" + wanted):
                return d, False
    numbers = [d for d in data if d.rsplit("|", 1)[-1].isdigit()]
    if not numbers:
        raise RuntimeError(f"nothing to tap in {message.text!r}: {data}")
    return random.choice(numbers), True


async def resident(fake: Watched, uid: int, answers: int, done: list[float],
                   ready: asyncio.Barrier | None = None) -> int:
    """Join and answer ``answers`` statements as fast as each appears; returns how many were answered.

    With ``ready``, wait there once the first statement is shown (so joining is not measured).
    """
    user = fake.user(uid, f"R{uid}", "nb")
    event = fake.events.setdefault(uid, asyncio.Event())
    event.clear()
    fake.say(user, f"/start {CODE}")
    seen: tuple | None = None
    answered = 0
    while answered < answers:
        deadline = time.monotonic() + WAIT
        while (message := fake.latest.get(uid)) is None or (message.message_id, message.text) == seen:
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                return answered  # no next question: lost
        seen = (message.message_id, message.text)
        data, is_answer = choose(message)
        if is_answer and ready is not None:
            await ready.wait()
            ready = None
        fake.push(fake.callback_update(user, message, data))
        answered += is_answer
        if is_answer and answered == answers:
            done.append(time.monotonic())
    return answered


def start_bot(kind: str, fake: Watched, workdir: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.api_url,
           "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "SAMSON_HTTP_PORT": "0",
           "SAMSON_LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT), **(extra_env or {})}
    command = ([sys.executable, str(ROOT / "bench" / "bare_ptb.py")] if kind == "bare PTB" else
               [sys.executable, "-c", "from bot.cli import app; app()", "run"])
    return subprocess.Popen(command, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=open(workdir / "log", "a"))


async def seed(workdir: Path, residents: int = 0) -> None:
    from storage.db import Database
    from storage.models import Identity, Membership, Person, utcnow
    from storage.partnerships import add_organisation, create_invite, create_partnership
    from storage.rounds import open_round

    db = Database(f"sqlite:///{workdir / 'bench.db'}")
    await db.migrate()
    async with db.session() as s:
        p = await create_partnership(s, "Bench", k=3)
        org = await add_organisation(s, p, "Innbyggere", "residents")
        await create_invite(s, p, organisation=org, role="resident", code=CODE)
        if not residents:
            await open_round(s, p, "samson", title="Bench", audience="residents")
        for n in range(residents):  # people who opened the bot already, for the broadcast
            person = Person(display_name=f"B{n}", lang="nb", consent_at=utcnow())
            s.add(person)
            await s.flush()
            s.add(Identity(person_id=person.id, platform="telegram", workspace="123456", user_id=str(900000 + n),
                           dm_channel=str(900000 + n)))
            s.add(Membership(person_id=person.id, partnership_id=p.id, organisation_id=org.id, role="resident"))
        await s.commit()
    await db.close()


async def open_round_now(workdir: Path) -> None:
    """What ``/round open`` does: open the round and decide an invitation per member (in the bot's database)."""
    from bot.round_lifecycle import open_
    from storage.db import Database
    from storage.partnerships import get_partnership

    db = Database(f"sqlite:///{workdir / 'bench.db'}")
    async with db.session() as s:
        await open_(s, await get_partnership(s, "bench"), title="Bench", audience="residents")
        await s.commit()
    await db.close()


async def wait_polling(fake: Watched, proc: subprocess.Popen) -> None:
    while not fake.called("getUpdates"):
        if proc.poll() is not None:
            raise SystemExit(f"the bot exited with {proc.returncode}")
        await asyncio.sleep(0.05)


def cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


async def run_one(kind: str, args: argparse.Namespace) -> dict:
    fake = await Watched().start()
    workdir = Path(tempfile.mkdtemp(prefix="samson-bench-"))
    if kind == "samson":
        await seed(workdir)
    proc = start_bot(kind, fake, workdir)
    figures: dict = {}
    try:
        await wait_polling(fake, proc)
        await asyncio.sleep(2.0)
        ps = psutil.Process(proc.pid)
        rss = ps.memory_info().rss
        figures["idle RSS MiB"] = rss / 2**20
        figures["idle RSS MB"] = rss / 10**6  # decimal megabytes

        # 1. Many residents start at once: how soon is each tap answered?
        done: list[float] = []
        await asyncio.gather(*(resident(fake, 10_000 + n, 1, done) for n in range(args.onboard)))
        latencies = sorted(fake.ack_latencies)
        figures["ack p50 ms"] = statistics.median(latencies) * 1000
        figures["ack p99 ms"] = latencies[int(len(latencies) * 0.99) - 1] * 1000
        handed = sorted(fake.bot_ack_latencies)
        figures["bot ack p99 ms"] = handed[int(len(handed) * 0.99) - 1] * 1000
        figures["too old"] = fake.late_answers
        figures["onboarded"] = len(done)

        # 2. Residents answering as fast as the next statement appears (measured once all have joined).
        ready, done = asyncio.Barrier(args.residents + 1), []
        answering = asyncio.gather(*(resident(fake, 20_000 + n, args.answers, done, ready)
                                     for n in range(args.residents)))
        await ready.wait()
        before, started, too_many = cpu(ps), time.monotonic(), fake.too_many
        counts = await answering
        elapsed = (max(done) if done else time.monotonic()) - started
        answers = sum(counts)
        figures["answers/s"] = answers / elapsed
        figures["CPU ms/answer"] = (cpu(ps) - before) / max(answers, 1) * 1000
        figures["lost"] = args.residents * args.answers - answers
        figures["429s"] = fake.too_many
        figures["429s answering"] = fake.too_many - too_many
    finally:
        proc.terminate()
        try:  # the fake keeps answering while the bot finishes what is in flight
            await asyncio.to_thread(proc.wait, 30)
        except subprocess.TimeoutExpired:
            proc.kill()
        await fake.stop()
    return figures


async def broadcast(args: argparse.Namespace) -> dict:
    """Samson only: open a round for ``--broadcast`` residents; how fast do the invitations go out?"""
    fake = await Watched().start()
    workdir = Path(tempfile.mkdtemp(prefix="samson-bench-"))
    await seed(workdir, residents=args.broadcast)
    for n in range(args.broadcast):
        fake.user(900000 + n, f"B{n}", "nb")
    proc = start_bot("samson", fake, workdir)
    try:
        await wait_polling(fake, proc)
        await asyncio.sleep(2.0)  # the bot has settled
        started = time.monotonic()
        await open_round_now(workdir)
        opened = time.monotonic()
        while len(fake.all_sent) < args.broadcast and proc.poll() is None:
            await asyncio.sleep(0.1)
            if time.monotonic() - started > args.broadcast / 10 + 120:
                break
        sent = fake.all_sent
        span = sent[-1] - sent[0] if len(sent) > 1 else float("nan")
        return {"sent": len(sent), "msgs/s": (len(sent) - 1) / span if span else 0.0,
                "opening took s": opened - started, "first after opening s": (sent[0] - opened) if sent else float("nan"),
                "429s": fake.too_many}
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onboard", type=int, default=300)
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--broadcast", type=int, default=2000, help="0 to skip")
    parser.add_argument("--only", choices=("bare PTB", "samson", "broadcast"), help="run one part")
    parser.add_argument("--rounds", type=int, default=1, help="alternate runs; medians are printed")
    args = parser.parse_args()
    kinds = [kind for kind in ("bare PTB", "samson") if args.only in (None, kind)]
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.rounds if kinds else 0):
        for kind in kinds:
            runs[kind].append(asyncio.run(run_one(kind, args)))
    rows = {kind: {name: statistics.median(run[name] for run in runs[kind]) for name in runs[kind][0]} for kind in kinds}
    names = list(next(iter(rows.values()))) if rows else []
    if rows:
        medians = f"   (medians of {args.rounds} runs)" if args.rounds > 1 else ""
        print(f"{'':16}" + "".join(f"{kind:>12}" for kind in rows) + medians)
    for name in names:
        print(f"{name:16}" + "".join(f"{rows[kind].get(name, float('nan')):>12.1f}" for kind in rows))
    if len(rows) == 2:
        pairs = zip(runs["bare PTB"], runs["samson"], strict=True)
        ratios = [s["CPU ms/answer"] / max(b["CPU ms/answer"], 1e-9) for b, s in pairs]
        print(f"CPU per answer: samson {statistics.median(ratios):.2f} × bare PTB"
              + (f" (pairs: {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""))
    if args.broadcast and args.only in (None, "broadcast"):
        figures = asyncio.run(broadcast(args))
        print(f"broadcast of {args.broadcast} invitations: " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
