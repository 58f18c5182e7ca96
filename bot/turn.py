"""The context a handler works in: one event, one database session, the replies to send."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.events import Audience, Choice, Event, Reply
from core.flow import Prompt
from core.i18n import DEFAULT_LANGUAGE, language_from_hint, t
from storage import outbox
from storage.models import Identity, Partnership, Person
from storage.partnerships import get_partnership
from storage.people import memberships


@dataclass
class Turn:
    """One event being handled. Handlers write through ``session`` and add to ``replies``.

    The turn decides each reply's audience: by default only the person sees it
    (in a shared chat as an ephemeral message where the platform has them, else in
    their private chat); ``say(..., audience=Audience.CHAT)`` is for the whole chat.
    """

    session: AsyncSession
    event: Event
    identity: Identity
    person: Person
    replies: list[Reply] = field(default_factory=list)
    outbox_written: bool = False
    held_back: bool = False
    """Something only for the person could not be said here (no private chat yet): finish() points the way."""

    @property
    def lang(self) -> str:
        """The person's language: their choice, else the platform's hint, else nb."""
        return self.person.lang or language_from_hint(self.identity.locale_hint) or DEFAULT_LANGUAGE

    def t(self, key: str, **params: object) -> str:
        """A message in the person's language."""
        return t(self.lang, key, **params)

    @property
    def reachable_privately(self) -> bool:
        """Whether the bot can write to the person in a private chat (Slack: always; Telegram: once they opened it)."""
        if self.event.private:
            return True
        if self.identity.unreachable:
            return False
        return self.event.can_ephemeral or self.identity.dm_channel is not None

    def personal(self, *, rich: bool = False, short: bool = False) -> Audience | None:
        """Where a reply only the person may see goes; None if nowhere here (they never opened a private chat).

        ``rich`` replies (images, buttons) cannot be ephemeral; ``short`` ones (errors,
        notices) may be said in a shared chat when nothing else is possible.
        """
        if self.event.private:
            return Audience.CHAT
        if self.event.can_ephemeral and not rich:
            return Audience.EPHEMERAL
        if self.reachable_privately:
            return Audience.PERSON
        return Audience.CHAT if short else None

    def say(self, text: str, choices: tuple[Choice, ...] | list[Choice] = (), *,
            audience: Audience | None = None, **kw: object) -> None:
        """Queue a reply; without an ``audience``, only the person sees it."""
        rich = bool(choices) or kw.get("image") is not None or kw.get("document") is not None
        if audience is None:
            audience = self._personal_or_hold(rich, short=bool(kw.get("is_error") or kw.get("notice")))
            if audience is None:
                return
        self.replies.append(Reply(text=text, choices=tuple(choices), audience=audience, **kw))  # type: ignore[arg-type]

    def _personal_or_hold(self, rich: bool, short: bool = False) -> Audience | None:
        """The person's audience; what has no private way to be shown is held back (errors are said here)."""
        audience = self.personal(rich=rich, short=short and not rich)
        if audience is None:
            self.held_back = True
        return audience

    def show(self, prompt: Prompt, ref: str | None = None) -> None:
        """Queue a flow prompt as a reply; ``ref`` ties its buttons to the question."""
        audience = self._personal_or_hold(bool(prompt.choices), short=prompt.is_error)
        if audience is None:
            return
        self.replies.append(
            Reply(
                text=prompt.text, choices=prompt.choices, accepts=prompt.accepts,
                item_id=prompt.item_id, progress=prompt.progress, is_error=prompt.is_error,
                ref=ref if prompt.choices else None, audience=audience,
            )
        )

    def private_link(self) -> str:
        """Where to open a private chat with the bot (a deep link on Telegram, else /start)."""
        return self.event.deep_link.format(code="") if self.event.deep_link else "/start"

    def finish(self) -> list[Reply]:
        """The replies, with a pointer in the shared chat when some went to the person's private chat."""
        where = Audience.EPHEMERAL if self.event.can_ephemeral else Audience.CHAT
        if not self.event.private and any(r.audience == Audience.PERSON for r in self.replies):
            self.replies.append(Reply(text=self.t("dm_sent"), audience=where))
        if self.held_back:
            self.replies.append(Reply(text=self.t("private.continue", link=self.private_link()), audience=where))
        if self.person.text_only:  # the person's own messages carry each chart's text alternative instead
            self.replies = [_as_text(r, self.replies[i + 1:i + 2])
                            if r.image is not None and (self.event.private or r.audience == Audience.PERSON)
                            else r for i, r in enumerate(self.replies)]
        return self.replies

    async def enqueue(self, key: str, **fields: object) -> bool:
        """Decide an outgoing message (see ``storage.outbox``); sent after this turn commits."""
        added = await outbox.enqueue(self.session, key, **fields)  # type: ignore[arg-type]
        self.outbox_written = self.outbox_written or added
        return added

    async def partnership(self) -> Partnership | None:
        """The partnership this chat works in: the current one, else the person's first."""
        if self.identity.current_partnership_id:
            return await get_partnership(self.session, self.identity.current_partnership_id)
        found = await memberships(self.session, self.person.id)  # type: ignore[arg-type]
        return found[0][1] if found else None


def _as_text(reply: Reply, following: list[Reply]) -> Reply:
    """A reply with an image as text only: its text, then the image's text alternative (unless this text or
    the reply after it already says it)."""
    alt = reply.image_alt or ""
    said = alt and (alt in reply.text or any(alt in r.text for r in following))
    text = reply.text if said else "\n\n".join(part for part in (reply.text, alt) if part)
    return replace(reply, text=text, image=None, image_name=None, image_alt=None)
