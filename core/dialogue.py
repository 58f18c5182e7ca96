"""Live dialogue sessions, the pure part: which statements, how a vote button reads, and the distribution.

The source uses SAMSON together, in conversation: one statement at a time, each
member's vote private, the distribution shown only when enough have voted and
never with names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from core.instrument import Instrument, Item

VOTE = "vote"
CANT_SAY = "na"


def statements(instrument: Instrument, field_id: str | None) -> list[Item]:
    """The statements a session goes through: one field's, or all seven fields' in order."""
    fields = [f for f in instrument.fields if field_id is None or f.id == field_id]
    return [item for section in fields for item in section.items]


def parse_vote(payload: str) -> tuple[str, str] | None:
    """``/session vote 12.3 7`` → (``12.3``, ``7``); None for anything else."""
    words = payload.split()
    if len(words) == 4 and words[0] == "/session" and words[1] == VOTE:
        return words[2], words[3]
    return None


@dataclass(frozen=True)
class Distribution:
    """How many chose each value, and the median; no names, nothing per person."""

    counts: dict[int, int]
    median: float
    voters: int
    cant_say: int


def distribution(votes: Sequence[float | None], scale: tuple[int, int]) -> Distribution:
    """The distribution of ``votes`` (None is "can't say") over the scale's values."""
    real = [int(v) for v in votes if v is not None]
    counts = {value: real.count(value) for value in range(scale[0], scale[1] + 1)}
    return Distribution(counts, float(median(real)) if real else 0.0, len(real), len(votes) - len(real))


def bars(dist: Distribution, width: int = 10) -> list[str]:
    """One line per value, '7 ▇▇▇ 3', scaled to the largest count."""
    top = max(dist.counts.values(), default=0) or 1
    return [f"{value:>2} {'▇' * max(1 if n else 0, round(n * width / top))} {n}".rstrip()
            for value, n in dist.counts.items()]
