"""The nudge policy: when an organisation is nudged, when coordinators are told, and when it is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.i18n import command_words, t
from core.schedule import QuietHours


def nudge_step(contact_due_at: datetime, next_nudge_at: datetime, every: timedelta, now: datetime
               ) -> tuple[str | None, datetime | None]:
    """What to do for an organisation now, and when to look again.

    At the due time its members are nudged once; one interval later, if there is
    still no contact, the coordinators are told; then nothing until the next contact.
    """
    if next_nudge_at > now:
        return None, next_nudge_at
    if next_nudge_at <= contact_due_at:
        return "nudge", contact_due_at + every
    return "escalate", None


def send_time(now: datetime, quiet: QuietHours, tz: ZoneInfo, snoozed_until: datetime | None) -> datetime:
    """When a personal message decided ``now`` may go out: after any snooze, outside quiet hours."""
    moment = max(now, snoozed_until) if snoozed_until else now
    return quiet.defer(moment, tz)


def nudge_text(lang: str, organisation: str, days: int, partners: list[str], ideas: list[str]) -> str:
    """A friendly, concrete nudge: days since contact, who to call, open action ideas."""
    lines = [t(lang, "nudge.head", days=days, organisation=organisation)]
    if partners:
        lines.append(t(lang, "nudge.partners", partners=", ".join(partners[:4])))
    if ideas:
        lines.append(t(lang, "nudge.ideas"))
        lines += [f"• {idea}" for idea in ideas[:3]]
    lines.append(t(lang, "nudge.how", **command_words(lang)))
    return "\n".join(lines)


def escalation_text(lang: str, organisation: str, days: int) -> str:
    """For the coordinators: an organisation has missed a second contact interval."""
    return t(lang, "nudge.escalate", organisation=organisation, days=days)
