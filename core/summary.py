"""Composing digests and coordinator summaries as text, headline first. Pure: data in, text out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.i18n import listing as i18n_listing
from core.i18n import t


@dataclass(frozen=True)
class OrgCount:
    """How many of an organisation's members answered."""

    organisation: str
    answered: int
    members: int


@dataclass(frozen=True)
class Health:
    """Days since an organisation's last contact (None: never) and whether it is overdue."""

    organisation: str
    days: int | None
    overdue: bool


def participation_lines(lang: str, counts: Sequence[OrgCount]) -> list[str]:
    """'• Org: 2 of 3' per organisation; counts only, never names."""
    return [t(lang, "digest.org_line", organisation=c.organisation, n=c.answered, total=c.members) for c in counts]


def health_lines(lang: str, health: Sequence[Health]) -> list[str]:
    """'• Org: 12 days ⚠ overdue' per organisation, longest silence first."""
    lines = []
    for h in health:
        days = (t(lang, "health.never") if h.days is None else t(lang, "health.today") if h.days == 0
                else t(lang, "health.days", n=h.days))
        lines.append(f"• {h.organisation}: {days}" + (" ⚠ " + t(lang, "health.overdue") if h.overdue else ""))
    return lines


def discussion_question(lang: str, subtheme: str | None, statement: str | None, score: str | None) -> str:
    """One question for the next meeting, from the weakest SAMSON sub-theme (or a general one)."""
    if subtheme is None or statement is None:
        return t(lang, "digest.question_general")
    return t(lang, "digest.question", subtheme=subtheme, statement=statement, score=score)


def digest_text(lang: str, title: str, counts: Sequence[OrgCount], health: Sequence[Health],
                actions: Sequence[str], question: str, held: str | None = None) -> str:
    """The dialogue digest after a check-in closes; ``held`` says why no proposal is shown (too few wrote one)."""
    answered = sum(c.answered for c in counts)
    total = sum(c.members for c in counts)
    lines = [t(lang, "digest.head", title=title, n=answered, total=total), ""]
    lines += [t(lang, "digest.participation")] + participation_lines(lang, counts) + [""]
    lines += [t(lang, "digest.contact")] + health_lines(lang, health) + [""]
    lines.append(t(lang, "digest.actions"))
    lines += [f"• {a}" for a in actions] or [held or t(lang, "digest.no_actions")]
    lines += ["", t(lang, "digest.question_head"), question]
    return "\n".join(lines)


def summary_headline(lang: str, partnership: str, open_rounds: Sequence[tuple[str, int, int]],
                     overdue: int, head: str | None = None) -> str:
    """The first line of a coordinator summary: participation and overdue contact, at a glance, after ``head``
    (default: "Weekly summary for …")."""
    parts = [t(lang, "summary.round_part", title=title, n=n, total=total) for title, n, total in open_rounds]
    if not parts:
        parts = [t(lang, "summary.no_open")]
    parts.append(t(lang, "summary.overdue", n=overdue) if overdue else t(lang, "summary.all_in_touch"))
    return (head or t(lang, "summary.head", partnership=partnership)) + " " + i18n_listing(lang, parts) + "."
