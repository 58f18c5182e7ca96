"""The neutral event and reply types every adapter speaks (Slack, Telegram, console)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum

from core.flow import Choice, InputSpec

__all__ = ["Audience", "Choice", "Event", "EventKind", "InputSpec", "Reply", "fold", "may_replace", "replies_from_json",
           "replies_to_json"]


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
    bot_in_chat: bool = True
    """False for a Slack command in a channel the bot is not a member of (it can only answer the person)."""
    message: str | None = None
    """For a button press: the platform's id of the message it was on, which the next question replaces."""
    pressed: str | None = None
    """For a button press: the button's text (kept as "✓ …" above the next question)."""

    def to_json(self) -> str:
        """The event as JSON, for the inbox."""
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, ensure_ascii=False)  # flat: no deep copy

    @classmethod
    def from_json(cls, text: str) -> Event:
        """The event ``to_json`` wrote."""
        data = json.loads(text)
        return cls(**{**data, "kind": EventKind(data["kind"])})

    def with_profile(self, display_name: str, locale_hint: str | None) -> Event:
        """The same event with the user's name and locale (looked up after it was stored)."""
        return replace(self, display_name=display_name, locale_hint=locale_hint)


def may_replace(replies: Sequence[Reply]) -> bool:
    """Whether the replies to a pressed button may take the place of its message.

    Not a notice (a toast), and not an error outside a question: those leave the question as it was.
    """
    return bool(replies) and not any(r.notice or (r.is_error and r.ref is None) for r in replies)


def fold(replies: list[Reply], answered: str | None = None) -> Reply | None:
    """The replies to a tapped question as one message that can replace it, or None if they cannot be.

    Possible when every reply is plain text for this chat and only the last one has
    buttons (the next question): a round then leaves one message, edited in place.
    ``answered`` (the label tapped) stays visible as a first line.
    """
    if not replies or any(r.image or r.document or r.notice or r.thread or r.key or r.audience != Audience.CHAT for r in replies):
        return None
    if any(r.choices for r in replies[:-1]):
        return None
    last = replies[-1]
    texts = ([f"✓ {answered}"] if answered else []) + [r.text for r in replies]
    return Reply(text="\n\n".join(texts), choices=last.choices, accepts=last.accepts, item_id=last.item_id,
                 progress=last.progress, ref=last.ref, is_error=any(r.is_error for r in replies))


@dataclass(frozen=True)
class Reply:
    """One outgoing message, independent of the platform."""

    text: str
    choices: tuple[Choice, ...] = ()
    image: bytes | None = None
    image_name: str | None = None
    image_alt: str | None = None
    document: bytes | None = None
    """A file to post, e.g. a PDF report; ``text`` goes with it."""
    document_name: str | None = None
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
    in_place: bool = False
    """Replace the message whose button was tapped with this one (a live session's statement), shown as is."""
    forget_local_files: bool = False
    """The person's data was erased: an adapter deletes files it saved for them (console charts)."""
    replaces: str | None = None
    """The id of the message this one is edited into (a reply sent again after a crash edits, never repeats)."""


    def to_json(self) -> dict:
        """A JSON-ready form, for the outbox (images as base64)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != f.default and f.name not in ("image", "document")}
        for name in ("image", "document"):
            content = getattr(self, name)
            if content is not None:
                data[name] = base64.b64encode(content).decode()
        if self.choices:
            data["choices"] = [[c.value, c.label] for c in self.choices]
        if self.accepts is not None:
            data["accepts"] = asdict(self.accepts)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Reply:
        """The reply ``to_json`` wrote."""
        data = dict(data)
        for name in ("image", "document"):
            if name in data:
                data[name] = base64.b64decode(data[name])
        data["choices"] = tuple(Choice(value, label) for value, label in data.get("choices", ()))
        if data.get("accepts") is not None:
            data["accepts"] = InputSpec(**data["accepts"])
        if data.get("progress") is not None:
            data["progress"] = tuple(data["progress"])
        if "audience" in data:
            data["audience"] = Audience(data["audience"])
        return cls(**data)


def replies_to_json(replies: list[Reply]) -> list[dict]:
    """Replies in a JSON-ready form (see ``Reply.to_json``)."""
    return [reply.to_json() for reply in replies]


def replies_from_json(data: list[dict]) -> list[Reply]:
    """The replies ``replies_to_json`` wrote."""
    return [Reply.from_json(item) for item in data]
