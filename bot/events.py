"""The neutral event and reply types every adapter speaks (Slack, Telegram, console)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.flow import Choice, InputSpec

__all__ = ["Audience", "Choice", "Event", "EventKind", "InputSpec", "Reply"]


class EventKind(StrEnum):
    """What the user did."""

    COMMAND = "command"
    """A command such as ``/start CODE``; ``payload`` is the text after the slash."""
    CHOICE = "choice"
    """A button press; ``payload`` is the button's value."""
    TEXT = "text"
    """A plain message; ``payload`` is its text."""


class Audience(StrEnum):
    """Who sees a reply; the core decides, adapters only carry it out."""

    CHAT = "chat"
    """Everyone in the chat the event came from (in a private chat: just the person)."""
    PERSON = "person"
    """Only the person, in their private chat with the bot."""
    EPHEMERAL = "ephemeral"
    """Only the person, shown in the chat the event came from (Slack ephemeral messages)."""


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
    can_ephemeral: bool = False
    """The platform can show a message to one person inside a shared chat (Slack)."""


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
    audience: Audience = Audience.CHAT
    """Who sees it; replies composed from the outbox go to the row's channel."""
    accepts: InputSpec | None = None
    item_id: str | None = None
    progress: tuple[int, int] | None = None
    is_error: bool = False
    ref: str | None = None
    """The question these buttons answer; comes back as ``Event.ref``."""
    notice: bool = False
    """A short notice about the user's last action (a toast / ephemeral), not a conversation message."""
    forget_local_files: bool = False
    """The person's data was erased: an adapter deletes files it saved for them (console charts)."""
