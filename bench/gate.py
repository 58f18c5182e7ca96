"""What the disclosure gate costs: a round's published snapshot, beside plain means of the same answers.

Prints figures (no pass/fail). The baseline is the statistics alone (mean and spread
per item over the same respondents); the gate adds k per item, the breakdown by kind
and the check against every earlier publication of the round.

    python bench/gate.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.disclosure import Ledger, mean_and_spread  # noqa: E402
from core.flow import Answer  # noqa: E402
from core.instrument import load_instrument  # noqa: E402
from core.results import Respondent, snapshot  # noqa: E402

SAMSON = load_instrument("samson")
KINDS = ("municipality", "social_enterprise", "ngo")


def respondents(n: int, rng: random.Random) -> list[Respondent]:
    people = []
    for rid in range(1, n + 1):
        answers = {item.id: Answer(None if rng.random() < 0.1 else float(rng.randint(1, 10))) for item in SAMSON.items}
        people.append(Respondent(rid, KINDS[rid % 3], answers))
    return people


def plain(people: list[Respondent]) -> None:
    for item in SAMSON.items:
        values = [v for p in people if (v := p.answers[item.id].number) is not None]
        if values:
            mean_and_spread(values)


def gated(people: list[Respondent], earlier: int) -> None:
    ledger = Ledger(3)
    step = max(1, len(people) // (earlier + 1))
    for m in range(step, len(people), step):  # the interim publications before this one
        snapshot(SAMSON, people[:m], ledger)
    snapshot(SAMSON, people, ledger)


def timed(work, repeat: int = 9) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return median(samples) * 1000


def main() -> None:
    rng = random.Random(7)
    for n, earlier in ((20, 0), (20, 4), (200, 4), (2000, 4)):
        people = respondents(n, rng)
        base = timed(lambda p=people: plain(p))
        gate = timed(lambda p=people, e=earlier: gated(p, e)) / (earlier + 1)
        print(f"{n:>5} respondents, {earlier} earlier publications: one snapshot through the gate {gate:7.2f} ms; "
              f"plain means and spreads {base:6.2f} ms ({gate / base:4.1f}×)")


if __name__ == "__main__":
    main()
