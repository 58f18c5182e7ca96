"""The neutral event and reply types every adapter speaks (Slack, Telegram, console)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.flow import Choice, InputSpec

__all__ = ["Choice", "Event", "EventKind", "InputSpec", "Reply"]


class EventKind(StrEnum):
    """What the user did."""

    COMMAND = "command"
    """A command such as ``/start CODE``; ``payload`` is the text after the slash."""
    CHOICE = "choice"
    """A button press; ``payload`` is the button's value."""
    TEXT = "text"
    """A plain message; ``payload`` is its text."""


@dataclass(frozen=True)
class Event:
    """One incoming user action, independent of the platform."""

    platform: str
    workspace: str
    channel: str
    user: str
    kind: EventKind
    payload: str
    update_key: str | None = None
    """Unique per platform delivery (Slack event id, Telegram update id); duplicates are ignored."""
    display_name: str = ""
    locale_hint: str | None = None
    private: bool = True
    """True in a direct message / private chat."""
    ref: str | None = None
    """For a button on a question: which response and position it was shown for (stale-click check)."""
    deep_link: str | None = None
    """How invite links look on this platform, e.g. ``https://t.me/samson_bot?start={code}``."""


@dataclass(frozen=True)
class Reply:
    """One outgoing message, independent of the platform."""

    text: str
    choices: tuple[Choice, ...] = ()
    image: bytes | None = None
    image_name: str | None = None
    image_alt: str | None = None
    thread: str | None = None
    """Post in a thread under the message with this reply key (e.g. a summary under its chart)."""
    key: str | None = None
    """A name other replies can thread under."""
    private: bool = True
    channel: str | None = None
    """Where to post; ``None`` is the channel the event came from."""
    accepts: InputSpec | None = None
    item_id: str | None = None
    progress: tuple[int, int] | None = None
    is_error: bool = False
    ref: str | None = None
    """The question these buttons answer; comes back as ``Event.ref``."""
    notice: bool = False
    """A short notice about the user's last action (a toast / ephemeral), not a conversation message."""
    extra: dict = field(default_factory=dict, compare=False)
