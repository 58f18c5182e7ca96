"""The context a handler works in: one event, one database session, the replies to send."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.events import Choice, Event, Reply
from core.flow import Prompt
from core.i18n import DEFAULT_LANGUAGE, language_from_hint, t
from storage.models import Identity, Partnership, Person
from storage import outbox
from storage.partnerships import get_partnership
from storage.people import memberships


@dataclass
class Turn:
    """One event being handled. Handlers write through ``session`` and add to ``replies``."""

    session: AsyncSession
    event: Event
    identity: Identity
    person: Person
    replies: list[Reply] = field(default_factory=list)
    outbox_written: bool = False

    @property
    def lang(self) -> str:
        """The person's language: their choice, else the platform's hint, else nb."""
        return self.person.lang or language_from_hint(self.identity.locale_hint) or DEFAULT_LANGUAGE

    def t(self, key: str, **params: object) -> str:
        """A message in the person's language."""
        return t(self.lang, key, **params)

    def say(self, text: str, choices: tuple[Choice, ...] | list[Choice] = (), **kw: object) -> None:
        """Queue a reply."""
        self.replies.append(Reply(text=text, choices=tuple(choices), **kw))  # type: ignore[arg-type]

    def show(self, prompt: Prompt, ref: str | None = None) -> None:
        """Queue a flow prompt as a reply; ``ref`` ties its buttons to the question."""
        self.replies.append(
            Reply(
                text=prompt.text, choices=prompt.choices, accepts=prompt.accepts,
                item_id=prompt.item_id, progress=prompt.progress, is_error=prompt.is_error,
                ref=ref if prompt.choices else None,
            )
        )

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
