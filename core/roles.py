"""Who takes part in what: roles and round audiences."""

from __future__ import annotations

PARTNER, COORDINATOR, RESIDENT = "partner", "coordinator", "resident"
AUDIENCES = ("all", "partners", "residents")
SESSION = "session"
"""The audience of a live dialogue session's round: voted on in a channel, never answered privately."""


def may_answer(role: str, audience: str, companion: bool = False, *, organisation: bool = True) -> bool:
    """Whether a member with ``role`` may answer a round for ``audience``.

    One answers for an organisation: a coordinator with none facilitates and answers nothing (else
    they would count as a resident, or as a partner of no side). Residents' rounds are for residents
    only; a ``companion`` round (the residents' own instrument beside a partners' round) too.
    """
    if companion:
        return role == RESIDENT
    if audience == SESSION or (role == COORDINATOR and not organisation):
        return False
    if audience == "all":
        return True
    if audience == "residents":
        return role == RESIDENT
    return role != RESIDENT
