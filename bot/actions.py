"""The action register: ideas become agreed actions with an owner, a due date and a status.

Owns the use cases "add an idea", "agree an action", "change an action's status" and
"list the register". Chat handlers, the scheduler (overdue reminders) and summaries
call these; none writes its own SQL for them.

Visibility follows the author's choice: an idea nobody has agreed yet is shown as its
author chose (named, anonymous from k contributors, or coordinators only). Once
coordinators agree it, the action is the partnership's and every member sees it,
with the author's name only if they chose to be named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.events import Choice, Reply
from core.disclosure import Contribution, Sharing, shared_text
from core.i18n import DEFAULT_LANGUAGE, LocalizedError, language_from_hint, t
from core.instrument import InstrumentError, load_instrument
from core.schedule import zone
from storage import actions as register
from storage.actions import OPEN, Entry
from storage.models import Action, ActionStatus, Membership, Partnership, Person, Round, utcnow
from storage.partnerships import UnknownOrganisation, get_organisation
from storage.people import membership_in

STATUS_WORDS = {
    "progress": ActionStatus.in_progress, "in_progress": ActionStatus.in_progress, "started": ActionStatus.in_progress,
    "done": ActionStatus.done, "ferdig": ActionStatus.done, "klar": ActionStatus.done,
    "drop": ActionStatus.dropped, "dropped": ActionStatus.dropped, "droppet": ActionStatus.dropped,
}


class ActionError(LocalizedError):
    """A change the register refuses; ``key`` and ``params`` name the message to show."""


HELD = {Sharing.COORDINATORS: "coordinators", Sharing.ANONYMOUS: "waiting"}
"""An idea only coordinators see, by why: the ``held`` of ``ShownAction`` (and its 🔒 label, ``idea.held.*``)."""


@dataclass(frozen=True)
class ShownAction:
    """A register entry as one reader may see it."""

    number: int
    text: str
    author: str | None
    status: str
    owner: str | None
    due_on: date | None
    serves: str | None
    version: int
    held: str | None = None
    """Why an idea a coordinator sees is not shown to everyone: ``coordinators`` (its author's choice) or ``waiting``
    (for everyone without a name, once k people gave ideas in its round); shown to them marked as such."""

    def overdue(self, today: date) -> bool:
        """Whether it is open and past its due date."""
        return self.status in OPEN and self.due_on is not None and self.due_on < today


def serves_label(serves: str | None, lang: str) -> str | None:
    """The SAMSON field or survey factor an action serves, in ``lang``."""
    if not serves:
        return None
    samson = load_instrument("samson")
    for number, section in enumerate(samson.fields, start=1):
        if section.id == serves:
            return f"{number} {section.title.get(lang)}"
    try:
        survey = load_instrument("survey")
    except InstrumentError:
        return serves
    return next((c.label.get(lang) for c in survey.constructs if c.id == serves), serves)


def parse_serves(word: str) -> str | None:
    """'1'–'7' for a SAMSON field, or a field or survey factor id; None if it is neither."""
    fields = load_instrument("samson").fields
    if word.isdigit() and 1 <= int(word) <= len(fields):
        return fields[int(word) - 1].id
    known = {f.id for f in fields} | {c.id for c in load_instrument("survey").constructs}
    return word if word in known else None


def _serves_of(entry: Entry, round_instrument: dict[int, tuple[str, int]]) -> str | None:
    """What an idea typed after a question serves: its SAMSON field, or the survey factor or barrier."""
    if entry.round_id is None or entry.item_id is None or entry.round_id not in round_instrument:
        return None
    instrument = load_instrument(*round_instrument[entry.round_id])
    try:
        section = instrument.section_of(entry.item_id)
    except KeyError:
        return None
    if section.role == "field":
        return section.id
    return next((c.id for c in instrument.constructs if c.kind != "index" and entry.item_id in c.items), None)


async def visible(session: AsyncSession, partnership: Partnership, *, coordinator: bool,
                  statuses: tuple[str, ...]) -> list[ShownAction]:
    """The entries with these statuses that this reader may see, oldest first."""
    await register.register_ideas(session, partnership.id)  # type: ignore[arg-type]
    contributors = await register.idea_contributors(session, partnership.id)  # type: ignore[arg-type]
    shown = []
    for entry in await register.entries(session, partnership.id, statuses):  # type: ignore[arg-type]
        action = entry.action
        sharing = Sharing(entry.sharing) if entry.sharing else None
        held = None
        if action.status == ActionStatus.proposed.value:
            count = contributors.get(entry.round_id, 0) if entry.round_id else partnership.k_threshold
            seen = shared_text(Contribution(action.author_id or 0, action.text, sharing, entry.author), count,
                               partnership.k_threshold, for_coordinators=coordinator)
            if seen is None:
                continue
            text, author, held = seen.text, seen.name, HELD.get(seen.held) if seen.held else None
        else:
            text, author = action.text, entry.author if sharing == Sharing.NAMED else None
        shown.append(ShownAction(action.id, text, author, action.status, entry.owner_person or entry.owner,  # type: ignore[arg-type]
                                 action.due_on, action.serves, action.version, held))
    return shown


async def add(session: AsyncSession, partnership: Partnership, person: Person, text: str, source: str = "manual",
              sharing: Sharing = Sharing.NAMED) -> Action:
    """A new idea in the register, by ``person``."""
    text = " ".join(text.split())
    if not text:
        raise ActionError("action.add_usage")
    if len(text) > 500:
        raise ActionError("err.too_long", length=len(text), max=500)
    action = Action(partnership_id=partnership.id, text=text, source=source, author_id=person.id,  # type: ignore[arg-type]
                    sharing=sharing.value)
    session.add(action)
    await session.flush()
    return action


async def from_checkin(session: AsyncSession, partnership: Partnership, round_: Round) -> int:
    """When a check-in closes: each "one thing before next time" becomes an idea without a name: shared with
    everyone once at least k people wrote one (as the digest shows them), else with the coordinators only."""
    item = load_instrument(round_.instrument_id, round_.instrument_version).item_for("next_step")
    written = await register.written_answers(session, round_.id, item.id) if item else []  # type: ignore[arg-type]
    enough = len({person for _, person in written}) >= partnership.k_threshold
    sharing = Sharing.ANONYMOUS if enough else Sharing.COORDINATORS
    for text, person in written:  # in alphabetical order: numbers do not follow the order people answered in
        session.add(Action(partnership_id=partnership.id, text=text[:500], source="checkin", author_id=person,  # type: ignore[arg-type]
                           sharing=sharing.value))
    await session.flush()
    return len(written)


async def _entry(session: AsyncSession, partnership: Partnership, number: int) -> Action:
    action = await session.get(Action, number)
    if action is None or action.partnership_id != partnership.id:
        raise ActionError("action.unknown", number=number)
    return action


async def agree(session: AsyncSession, partnership: Partnership, number: int, organisation: str, due_on: date,
                serves: str | None = None, owner: Person | None = None) -> Action:
    """Coordinators agree an idea as an action: an owning organisation (and person), a due date, what it serves."""
    await register.register_ideas(session, partnership.id)  # type: ignore[arg-type]
    action = await _entry(session, partnership, number)
    if action.status in (ActionStatus.done.value, ActionStatus.dropped.value):
        raise ActionError(f"action.already_{action.status}", number=number)
    if action.status != ActionStatus.proposed.value:
        raise ActionError("action.already_agreed", number=number)
    entry = next(e for e in await register.entries(session, partnership.id, (ActionStatus.proposed.value,))  # type: ignore[arg-type]
                 if e.action.id == action.id)
    shown = next(a for a in await visible(session, partnership, coordinator=True, statuses=(ActionStatus.proposed.value,))
                 if a.number == number)  # coordinators see every idea; an agreed action's text is shown to everyone
    if shown.held == "coordinators":
        raise ActionError("action.private_idea", number=number)
    if shown.held == "waiting":
        raise ActionError("action.waiting_idea", number=number, k=partnership.k_threshold)
    try:
        org = await get_organisation(session, partnership, organisation)
    except UnknownOrganisation as unknown:
        raise ActionError(unknown.key, **unknown.params) from None
    serves = serves or action.serves  # e.g. a proposal made on a session's statement
    if serves is None and action.idea_id is not None:
        round_ = await session.get(Round, entry.round_id) if entry.round_id else None
        if round_ is not None:
            serves = _serves_of(entry, {round_.id: (round_.instrument_id, round_.instrument_version)})  # type: ignore[dict-item]
    changed = await register.change(
        session, action, action.version, status=ActionStatus.agreed.value, owner_organisation_id=org.id,
        owner_person_id=owner.id if owner else None, due_on=due_on, serves=serves, agreed_at=utcnow())
    if not changed:
        raise ActionError("action.changed_meanwhile", number=number)
    return action


async def set_status(session: AsyncSession, partnership: Partnership, person: Person, number: int, status: ActionStatus,
                     *, coordinator: bool, seen_version: int | None = None) -> Action:
    """The owner (a member of the owning organisation, or the named person) or a coordinator moves an action on."""
    action = await _entry(session, partnership, number)
    if action.status not in OPEN:
        raise ActionError("action.not_open", number=number)
    if not coordinator and not await _owns(session, action, person):
        raise ActionError("action.not_owner", number=number)
    version = action.version if seen_version is None else seen_version
    done_at = utcnow() if status == ActionStatus.done else None
    if not await register.change(session, action, version, status=status.value, done_at=done_at):
        raise ActionError("action.changed_meanwhile", number=number)
    return action


async def owns(session: AsyncSession, number: int, person: Person) -> bool:
    """Whether ``person`` owns action ``number`` (named as its owner, or a member of the owning organisation)."""
    action = await session.get(Action, number)
    return action is not None and await _owns(session, action, person)


async def _owns(session: AsyncSession, action: Action, person: Person) -> bool:
    if action.owner_person_id is not None:
        return action.owner_person_id == person.id
    membership = await membership_in(session, person.id, action.partnership_id)  # type: ignore[arg-type]
    return membership is not None and membership.organisation_id == action.owner_organisation_id


async def owners_of(session: AsyncSession, action: Action) -> list[Person]:
    """Who is reminded of an overdue action: its named owner, else the owning organisation's partners."""
    if action.owner_person_id is not None:
        person = await session.get(Person, action.owner_person_id)
        return [person] if person else []
    return list((await session.exec(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.organisation_id == action.owner_organisation_id, Membership.role != "resident")
        .order_by(Person.id))).all())


def moves(action_id: int, status: str, lang: str) -> tuple[Choice, ...]:
    """Buttons to move an open action on: in progress, done, drop."""
    words = {ActionStatus.in_progress: "progress", ActionStatus.done: "done", ActionStatus.dropped: "drop"}
    return tuple(Choice(f"/action {action_id} {word}", t(lang, f"action.button.{move.value}"))
                 for move, word in words.items() if move.value != status)


async def compose_reminder(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """The reminder to an owner of an overdue action ([] if it moved on, got a new date, or they snoozed)."""
    action = await session.get(Action, params["action_id"])
    person = await session.get(Person, params["person_id"])
    if action is None or person is None or action.status not in OPEN:
        return []
    if action.due_on is None or action.due_on.isoformat() != params.get("due"):
        return []
    if person.snoozed_until and person.snoozed_until > utcnow():
        return []
    lang = person.lang or language_from_hint(hint) or DEFAULT_LANGUAGE
    text = t(lang, "action.reminder", text=action.text, day=action.due_on.isoformat())
    return [Reply(text=f"{text}\n#{action.id}", choices=moves(action.id, action.status, lang))]  # type: ignore[arg-type]


def line(action: ShownAction, lang: str, today: date, *, field: bool = True) -> str:
    """'#4 Text – Org, due 2027-03-01 (field) · in progress ⚠ overdue'; without the field under its heading."""
    parts = [f"#{action.number} {action.text}" + (f" ({action.author})" if action.author else "")]
    details = []
    if action.owner:
        details.append(action.owner)
    if action.due_on:
        details.append(t(lang, "action.due", day=action.due_on.isoformat()))
    label = serves_label(action.serves, lang) if field else None
    if label:
        details.append(label)
    if details:
        parts.append(" – " + ", ".join(details))
    parts.append(" · " + t(lang, f"action.status.{action.status}"))
    if action.held:  # a coordinator must not read it out or agree it as written
        parts.append(" · 🔒 " + t(lang, f"idea.held.{action.held}"))
    if action.overdue(today):
        parts.append(" ⚠ " + t(lang, "action.overdue"))
    return "".join(parts)


async def summary_lines(session: AsyncSession, partnership: Partnership, lang: str, since: datetime,
                        today: date, until: datetime | None = None) -> list[str]:
    """For digests and coordinator summaries: actions by status — new and done between ``since`` and ``until``
    (a digest shown again later counts what it counted when it went out), overdue, open."""
    agreed, done = await register.counts_since(session, partnership.id, since, until)  # type: ignore[arg-type]
    entries = await visible(session, partnership, coordinator=False, statuses=OPEN)
    overdue = [a for a in entries if a.overdue(today)]
    lines = [t(lang, "action.summary", agreed=agreed, done=done, open=len(entries), overdue=len(overdue))]
    lines += [f"• {line(a, lang, today)}" for a in (overdue or entries)[:5]]
    return lines


async def new_ideas(session: AsyncSession, partnership: Partnership, since: datetime) -> list[ShownAction]:
    """Ideas proposed since ``since`` as coordinators may see them: after questions, typed (/action add), or a
    check-in's next step."""
    shown = await visible(session, partnership, coordinator=True, statuses=(ActionStatus.proposed.value,))
    recent = set((await session.exec(select(Action.id).where(
        Action.partnership_id == partnership.id, Action.created_at >= since))).all())
    return [a for a in shown if a.number in recent]


async def for_fields(session: AsyncSession, partnership: Partnership, lang: str,
                     instrument_id: str = "samson") -> list[str]:
    """Per SAMSON field, the actions agreed for it (shown with a round's results), under the field's name in the
    round's instrument (the residents' own has the same fields, named in their words)."""
    entries = await visible(session, partnership, coordinator=False,
                            statuses=(*OPEN, ActionStatus.done.value))
    today = utcnow().date()
    lines = []
    for section in load_instrument(instrument_id).fields:
        mine = [a for a in entries if a.serves == section.id]
        if mine:
            lines.append(t(lang, "action.for_field", field=section.title.get(lang)))
            lines += [f"• {line(a, lang, today, field=False)}" for a in mine]  # the heading names the field
    return lines


def local_today(partnership: Partnership, now: datetime | None = None) -> date:
    """Today in the partnership's time zone."""
    return (now or utcnow()).astimezone(zone(partnership.timezone)).date()


__all__ = [
    "STATUS_WORDS", "ActionError", "ShownAction", "add", "agree", "compose_reminder", "for_fields", "line",
    "local_today", "moves", "owners_of", "owns",
    "parse_serves", "serves_label", "set_status", "summary_lines", "visible",
]
