"""Who takes part in what: roles and round audiences."""

from __future__ import annotations

PARTNER, COORDINATOR, RESIDENT = "partner", "coordinator", "resident"
AUDIENCES = ("all", "partners", "residents")
SESSION = "session"
"""The audience of a live dialogue session's round: voted on in a channel, never answered privately."""


def may_answer(role: str, audience: str, companion: bool = False) -> bool:
    """Whether a member with ``role`` may answer a round for ``audience`` (coordinators may answer any).

    A ``companion`` round (the residents' own instrument beside a partners' round) is for residents only.
    """
    if companion:
        return role == RESIDENT
    if audience == SESSION:
        return False
    if audience == "all":
        return True
    if audience == "residents":
        return role in (RESIDENT, COORDINATOR)
    return role != RESIDENT


def counts_as_expected(role: str, audience: str) -> bool:
    """Whether a member counts in a round's participation ("2 of 5 answered"): answerers, not coordinators."""
    return role != COORDINATOR and may_answer(role, audience)
