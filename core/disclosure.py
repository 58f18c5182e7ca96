"""The one disclosure gate: every figure that anyone but its author sees passes through here.

Pure code. The rules (PRODUCT.md §6):

- k holds for every number shown, per item: only real answers count ("can't say"
  and skipped answers do not).
- Published figures of one round must not be subtractable from each other. For
  each item the gate keeps the sets of respondents behind every figure already
  published (a ``Ledger``). A new figure is shown only if every group of
  respondents that comparing it with the earlier ones could single out (every
  "atom": the people who belong to exactly the same published sets) still has at
  least k people. Two snapshots of a round therefore differ by 0 or by at least k
  respondents, and a breakdown cannot be subtracted from the whole.
- A breakdown (by organisation kind, side, audience) is shown only when every
  group shown and the rest each have at least k; otherwise only the whole group.
- A spread is shown only from ``SPREAD_MIN`` respondents.
- Free text follows its author's choice (``Sharing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from math import fsum, sqrt

SPREAD_MIN = 5
"""A spread (standard deviation) is shown only over at least this many answers."""


class Reason(StrEnum):
    """Why a figure is withheld; each has a plain-words message in ``core/locales``."""

    TOO_FEW = "too_few"
    """Fewer than k real answers."""
    DIFFERENCING = "differencing"
    """Compared with a figure already published, it would single out fewer than k people."""
    BREAKDOWN = "breakdown"
    """A group of the breakdown, or the rest of the respondents, has fewer than k."""


@dataclass(frozen=True)
class Shown:
    """A figure that may be shown: the mean over ``n`` answers, the spread from ``SPREAD_MIN``."""

    mean: float
    n: int
    sd: float | None = None


@dataclass(frozen=True)
class Withheld:
    """A figure that is not shown, and why."""

    n: int
    reason: Reason


Cell = Shown | Withheld


def _refine(sets: Iterable[frozenset[int]], k: int | None = None) -> list[frozenset[int]] | None:
    """Split everyone in ``sets`` by which sets hold them; None as soon as a group is under ``k``."""
    family = list(sets)
    parts = [frozenset().union(*family)] if family else []
    for s in family:
        split: list[frozenset[int]] = []
        for part in parts:
            for piece in (part & s, part - s):
                if piece:
                    if k is not None and len(piece) < k:
                        return None  # groups only get smaller from here
                    split.append(piece)
        parts = split
    return parts


def separable(sets: Iterable[frozenset[int]], k: int) -> bool:
    """True when every group that comparisons between ``sets`` could single out has at least ``k`` people."""
    return _refine(sets, k) is not None


OTHER_ANSWERS = "other_answers"
"""In published counts: the options fewer than k chose, together (which of them is not shown)."""


@dataclass
class Ledger:
    """For one round: per item, the sets of respondents behind figures already published.

    ``gate`` and ``gate_breakdown`` decide a figure and, when it is shown, record its
    set, so later figures of the same round are checked against it.
    """

    k: int
    published: dict[str, list[frozenset[int]]] = field(default_factory=dict)

    def _allows(self, item: str, candidates: Sequence[frozenset[int]]) -> bool:
        family = self.published.get(item, [])
        return separable([*family, *candidates], self.k)

    def gate(self, item: str, values: Mapping[int, float | None]) -> Cell:
        """The figure for ``item`` over ``values`` (respondent → answer; None is "can't say")."""
        answered = {who: v for who, v in values.items() if v is not None}
        who = frozenset(answered)
        if len(who) < max(self.k, 1):
            return Withheld(len(who), Reason.TOO_FEW)
        if not self._allows(item, [who]):
            return Withheld(len(who), Reason.DIFFERENCING)
        self._record(item, [who])
        return _shown(list(answered.values()))

    def gate_counts(self, item: str, answers: Mapping[int, str | None]) -> dict[str, int] | Withheld:
        """How many chose each option of a choice item, under the same rules as a mean."""
        answered = {who: v for who, v in answers.items() if v is not None}
        who = frozenset(answered)
        if len(who) < max(self.k, 1):
            return Withheld(len(who), Reason.TOO_FEW)
        if not self._allows(item, [who]):
            return Withheld(len(who), Reason.DIFFERENCING)
        self._record(item, [who])
        counts: dict[str, int] = {}
        for option in answered.values():
            counts[option] = counts.get(option, 0) + 1  # type: ignore[index]
        shown = {option: n for option, n in counts.items() if n >= self.k}  # a count under k would point at people
        if len(shown) < len(counts):
            shown[OTHER_ANSWERS] = len(answered) - sum(shown.values())
        return shown

    def gate_breakdown(
        self, item: str, values: Mapping[int, float | None], groups: Mapping[str, Iterable[int]]
    ) -> dict[str, Cell] | Withheld:
        """Figures per group (e.g. organisation kind), all or none.

        Shown only when there are at least two groups with answers, each has at least
        k, the rest has none or at least k, and nothing can be subtracted.
        """
        answered = {who for who, v in values.items() if v is not None}
        sets = {name: frozenset(members) & answered for name, members in groups.items()}
        sets = {name: s for name, s in sets.items() if s}
        rest = answered - set().union(*sets.values()) if sets else answered
        if len(sets) < 2 or any(len(s) < self.k for s in sets.values()) or 0 < len(rest) < self.k:
            return Withheld(len(answered), Reason.BREAKDOWN)
        if not self._allows(item, [frozenset(answered), *sets.values()]):
            return Withheld(len(answered), Reason.DIFFERENCING)
        self._record(item, list(sets.values()))
        return {name: _shown([values[w] for w in s]) for name, s in sets.items()}  # type: ignore[misc]

    def _record(self, item: str, sets: Sequence[frozenset[int]]) -> None:
        family = self.published.setdefault(item, [])
        family.extend(s for s in sets if s not in family)

    def to_json(self) -> dict[str, list[list[int]]]:
        """The ledger as plain data, for storing with a publication."""
        return {item: [sorted(s) for s in sets] for item, sets in self.published.items()}

    def merge(self, data: Mapping[str, Sequence[Sequence[int]]]) -> None:
        """Add the sets of an earlier publication."""
        for item, sets in data.items():
            self._record(item, [frozenset(s) for s in sets])


def mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the population standard deviation, in plain float arithmetic."""
    mean = fsum(values) / len(values)
    return mean, sqrt(fsum((v - mean) ** 2 for v in values) / len(values))


def _shown(values: list[float]) -> Shown:
    mean, sd = mean_and_spread(values)
    return Shown(mean, len(values), sd if len(values) >= SPREAD_MIN else None)


class Sharing(StrEnum):
    """Who may see a free-text contribution (an idea for action), as its author chose."""

    NAMED = "named"
    """Shared with the partnership, with the author's name."""
    ANONYMOUS = "anonymous"
    """Shared without a name, once at least k people contributed in that round."""
    COORDINATORS = "coordinators"
    """Seen by the coordinators only, without a name."""


@dataclass(frozen=True)
class Contribution:
    """One free-text contribution: who wrote it (to count contributors), how it may be shared."""

    author: int
    text: str
    sharing: Sharing | None
    name: str | None = None


@dataclass(frozen=True)
class SharedText:
    """A free text as others may see it; ``name`` only when its author chose to be named."""

    text: str
    name: str | None = None
    held: Sharing | None = None
    """Set when only coordinators see it: their author's choice (``COORDINATORS``), or ``ANONYMOUS`` while it waits
    for k contributors."""


def shared_text(c: Contribution, contributors: int, k: int, *, for_coordinators: bool = False) -> SharedText | None:
    """How a reader sees one contribution of a round with ``contributors`` authors; None if not at all.

    A missing choice counts as "coordinators only", the safest. Coordinators see every unnamed text: one meant for
    everyone without a name is theirs to see too while it waits for k contributors.
    """
    sharing = c.sharing or Sharing.COORDINATORS
    if sharing == Sharing.NAMED:
        return SharedText(c.text, c.name)
    if sharing == Sharing.ANONYMOUS and contributors >= k:
        return SharedText(c.text)
    return SharedText(c.text, held=sharing) if for_coordinators else None


def shared_texts(contributions: Sequence[Contribution], k: int, *, for_coordinators: bool = False) -> list[SharedText]:
    """The texts of one round a reader may see, in order."""
    contributors = len({c.author for c in contributions})
    return [s for c in contributions
            if (s := shared_text(c, contributors, k, for_coordinators=for_coordinators)) is not None]


__all__ = [
    "SPREAD_MIN", "Cell", "Contribution", "Ledger", "Reason", "SharedText", "Sharing", "Shown", "Withheld",
    "separable", "shared_text", "shared_texts",
]
