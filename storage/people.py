"""People and their platform identities; export and erasure of a person's data."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Action,
    ActionIdea,
    ActionStatus,
    Answer,
    Contact,
    DialogueSession,
    Identity,
    Invite,
    Membership,
    Organisation,
    Outbox,
    Partnership,
    Person,
    Response,
    Role,
    Round,
)

_IDENTITY = select(Identity, Person).join(Person, Person.id == Identity.person_id).where(
    Identity.platform == bindparam("platform"), Identity.workspace == bindparam("workspace"),
    Identity.user_id == bindparam("user"))
"""Built once: every update looks its sender up."""


async def find_identity(session: AsyncSession, platform: str, workspace: str, user_id: str) -> tuple[Identity, Person] | None:
    """The identity and person for a platform user, if the bot keeps any."""
    found = (await session.exec(_IDENTITY, params={"platform": platform, "workspace": workspace, "user": user_id})).first()
    return (found[0], found[1]) if found else None


async def resolve_identity(
    session: AsyncSession, platform: str, workspace: str, user_id: str,
    *, display_name: str = "", locale_hint: str | None = None,
) -> tuple[Identity, Person]:
    """The identity and person for a platform user, created on first contact."""
    found = await find_identity(session, platform, workspace, user_id)
    if found:
        identity, person = found
        if locale_hint and identity.locale_hint != locale_hint:
            identity.locale_hint = locale_hint
            session.add(identity)
        if display_name and person.display_name != display_name:
            person.display_name = display_name
            session.add(person)
        return identity, person
    person = Person(display_name=display_name or user_id)
    session.add(person)
    await session.flush()
    identity = Identity(
        person_id=person.id, platform=platform, workspace=workspace, user_id=user_id, locale_hint=locale_hint
    )
    session.add(identity)
    await session.flush()
    return identity, person


async def memberships(session: AsyncSession, person_id: int) -> list[tuple[Membership, Partnership]]:
    """A person's memberships with their partnerships."""
    query = (
        select(Membership, Partnership)
        .join(Partnership, Partnership.id == Membership.partnership_id)
        .where(Membership.person_id == person_id)
        .order_by(Membership.id)
    )
    return [(m, p) for m, p in (await session.exec(query)).all()]


async def membership_in(session: AsyncSession, person_id: int, partnership_id: int) -> Membership | None:
    """A person's membership in one partnership, if any."""
    query = select(Membership).where(Membership.person_id == person_id, Membership.partnership_id == partnership_id)
    return (await session.exec(query)).first()


def _when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment else None


async def export_person(session: AsyncSession, person: Person) -> dict:
    """Everything stored about a person, as plain data (item and instrument ids, not their texts)."""
    identities = (await session.exec(select(Identity).where(Identity.person_id == person.id))).all()
    partnerships = {p.id: p.name for p in (await session.exec(select(Partnership))).all()}
    orgs = (await session.exec(select(Organisation))).all()
    organisations = {o.id: o.name for o in orgs}
    kinds = {o.id: o.kind for o in orgs}
    result: dict = {
        "person": {"name": person.display_name, "language": person.lang, "timezone": person.timezone,
                   "consent_at": _when(person.consent_at), "joined_at": _when(person.created_at),
                   "snoozed_until": _when(person.snoozed_until), "text_only": person.text_only,
                   "reminders_off": person.reminders_off, "answers_entered_by_a_coordinator": person.assisted},
        "identities": [{"platform": i.platform, "workspace": i.workspace, "user": i.user_id} for i in identities],
        "memberships": [{"partnership": p.name, "organisation": organisations.get(m.organisation_id), "role": m.role}
                        for m, p in await memberships(session, person.id)],  # type: ignore[arg-type]
        "responses": [],
        "actions": [],
        "contacts": [],
        "dialogues_started": [],
    }
    rows = (await session.exec(select(Response, Round).join(Round, Round.id == Response.round_id).where(
        Response.person_id == person.id).order_by(Response.id))).all()
    for response, round_ in rows:
        answers = (await session.exec(select(Answer).where(Answer.response_id == response.id).order_by(Answer.id))).all()
        ideas = (await session.exec(select(ActionIdea).where(ActionIdea.response_id == response.id)
                                    .order_by(ActionIdea.id))).all()
        result["responses"].append({
            "partnership": partnerships.get(round_.partnership_id), "round": round_.number, "title": round_.title,
            "instrument": round_.instrument_id, "instrument_version": round_.instrument_version,
            "organisation": organisations.get(response.organisation_id),
            "organisation_kind": kinds.get(response.organisation_id),
            "started_at": _when(response.started_at), "completed_at": _when(response.completed_at),
            "answers": [{"item": a.item_id, "answer": a.number if a.number is not None else a.text,
                         "answered_at": _when(a.answered_at)} for a in answers],
            "action_ideas": [{"item": i.item_id, "text": i.text, "shared": i.sharing or "coordinators",
                              "created_at": _when(i.created_at)} for i in ideas],
        })
    actions = (await session.exec(select(Action).where(  # ideas typed in a round are under their response already
        or_(Action.author_id == person.id, Action.owner_person_id == person.id),
        or_(col(Action.idea_id).is_(None), Action.owner_person_id == person.id)).order_by(Action.id))).all()
    for action in actions:
        result["actions"].append({
            "number": action.id, "partnership": partnerships.get(action.partnership_id), "text": action.text,
            "you_are": "author" if action.author_id == person.id else "owner", "status": action.status,
            "due_on": _when(action.due_on), "shared": action.sharing})
    contacts = (await session.exec(select(Contact).where(Contact.person_id == person.id).order_by(Contact.id))).all()
    for contact in contacts:
        between = [organisations.get(contact.organisation_id), organisations.get(contact.other_organisation_id)]
        result["contacts"].append({"partnership": partnerships.get(contact.partnership_id),
                                   "between": [name for name in between if name], "kind": contact.kind,
                                   "at": _when(contact.at)})
    sessions = (await session.exec(select(DialogueSession).where(DialogueSession.started_by == person.id)
                                   .order_by(DialogueSession.id))).all()
    for dialogue in sessions:
        result["dialogues_started"].append({"partnership": partnerships.get(dialogue.partnership_id),
                                            "platform": dialogue.platform, "channel": dialogue.channel,
                                            "started_at": _when(dialogue.created_at), "status": dialogue.status})
    return result


async def erase_person(session: AsyncSession, person: Person) -> None:
    """Delete every row about a person: answers, ideas, responses, contacts they logged, memberships,
    messages addressed to them, identities, and the person.

    Published snapshots keep only group figures; the person's answers drop out of later ones.
    """
    await session.flush()  # pending changes to these rows go first, so nothing updates a deleted row
    response_ids = select(Response.id).where(Response.person_id == person.id)
    identities = (await session.exec(select(Identity).where(Identity.person_id == person.id))).all()
    for identity in identities:
        targets = [c for c in (identity.dm_channel, identity.user_id) if c]
        await session.exec(delete(Outbox).where(  # type: ignore[call-overload]
            Outbox.platform == identity.platform, Outbox.workspace == identity.workspace,
            col(Outbox.channel).in_(targets)))
    mentions = (f'%"person_id": {person.id},%', f'%"person_id": {person.id}}}%')
    await session.exec(delete(Outbox).where(or_(*(col(Outbox.params).like(m) for m in mentions))))  # type: ignore[call-overload]
    await session.exec(update(Identity).where(Identity.person_id == person.id).values(active_response_id=None))  # type: ignore[call-overload]
    await session.exec(delete(Answer).where(col(Answer.response_id).in_(response_ids)))  # type: ignore[call-overload]
    ideas = select(ActionIdea.id).where(col(ActionIdea.response_id).in_(response_ids))
    # Their ideas nobody agreed go; agreed actions stay the partnership's, without their name.
    await session.exec(delete(Action).where(  # type: ignore[call-overload]
        Action.status == ActionStatus.proposed.value, or_(Action.author_id == person.id, col(Action.idea_id).in_(ideas))))
    await session.exec(update(Action).where(col(Action.idea_id).in_(ideas)).values(idea_id=None))  # type: ignore[call-overload]
    await session.exec(update(Action).where(Action.author_id == person.id).values(author_id=None))  # type: ignore[call-overload]
    await session.exec(update(Action).where(Action.owner_person_id == person.id).values(owner_person_id=None))  # type: ignore[call-overload]
    await session.exec(delete(ActionIdea).where(col(ActionIdea.response_id).in_(response_ids)))  # type: ignore[call-overload]
    await session.exec(delete(Response).where(Response.person_id == person.id))  # type: ignore[call-overload]
    await session.exec(delete(Contact).where(Contact.person_id == person.id))  # type: ignore[call-overload]
    await session.exec(update(DialogueSession).where(DialogueSession.started_by == person.id)  # type: ignore[call-overload]
                       .values(started_by=None))
    await session.exec(delete(Membership).where(Membership.person_id == person.id))  # type: ignore[call-overload]
    await session.exec(delete(Identity).where(Identity.person_id == person.id))  # type: ignore[call-overload]
    await session.delete(person)
    await session.flush()


async def leave_unconsented(session: AsyncSession, person: Person) -> int:
    """After declining consent: drop the person's memberships and give their invites' uses back."""
    rows = (await session.exec(select(Membership).where(Membership.person_id == person.id))).all()
    for membership in rows:
        if membership.invite_id is not None:
            invite = await session.get(Invite, membership.invite_id)
            if invite is not None and invite.uses > 0:
                invite.uses -= 1
                session.add(invite)
        await session.delete(membership)
    await session.exec(update(Identity).where(Identity.person_id == person.id)  # type: ignore[call-overload]
                       .values(current_partnership_id=None, active_response_id=None, awaiting=None))
    await session.flush()
    return len(rows)


async def forget_stranger(session: AsyncSession, person: Person) -> bool:
    """Keep no row about someone who is in no partnership and never consented, once nothing is asked of them.

    A stranger writing to the bot, someone who declined consent, or someone writing again after
    /erase: they get their answer, and their name and platform account are not kept. Only a
    language they chose (/lang) keeps the row, so the bot goes on speaking it; their name is not kept.
    """
    if person.consent_at is not None or person.id is None:
        return False
    await session.flush()
    member = select(Membership.id).where(Membership.person_id == person.id).limit(1)
    if (await session.exec(member)).first() is not None:
        return False
    if person.lang is not None:  # the language only: no name (it is filled in again when they join)
        if person.display_name:
            person.display_name = ""
            session.add(person)
        return False
    asked = select(Identity.id).where(Identity.person_id == person.id, col(Identity.awaiting).is_not(None)).limit(1)
    if (await session.exec(asked)).first() is not None:
        return False
    try:
        async with session.begin_nested():  # a row about them elsewhere keeps them (rather than failing the turn)
            await session.exec(delete(Identity).where(Identity.person_id == person.id))  # type: ignore[call-overload]
            await session.exec(delete(Person).where(Person.id == person.id))  # type: ignore[call-overload]
    except IntegrityError:
        return False
    return True


async def mark_unreachable(session: AsyncSession, platform: str, workspace: str, channel: str) -> None:
    """Mark whoever is reached through ``channel`` as unreachable (blocked the bot, left, deleted)."""
    await session.exec(  # type: ignore[call-overload]
        update(Identity)
        .where(Identity.platform == platform, Identity.workspace == workspace)
        .where((Identity.dm_channel == channel) | (Identity.user_id == channel))
        .values(unreachable=True)
    )


async def assisted_named(session: AsyncSession, user_prefix: str, partnership_id: int, organisation_id: int | None,
                         name: str) -> list[tuple[Identity, Person]]:
    """Assisted people called ``name`` (any case) in the partnership and organisation, oldest first."""
    query = (
        select(Identity, Person)
        .join(Person, Person.id == Identity.person_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(Identity.platform == "console", col(Identity.user_id).startswith(user_prefix), col(Person.assisted),
               Membership.partnership_id == partnership_id, Membership.organisation_id == organisation_id)
        .order_by(col(Person.id))
    )
    return [(i, p) for i, p in (await session.exec(query)).all() if p.display_name.casefold() == name.casefold()]


async def sole_coordinator_of(session: AsyncSession, person_id: int) -> list[Partnership]:
    """The partnerships in which this person is the only coordinator."""
    mine = (await session.exec(select(Membership.partnership_id).where(
        Membership.person_id == person_id, Membership.role == Role.coordinator.value))).all()
    alone = []
    for partnership_id in mine:
        count = (await session.exec(select(func.count()).select_from(Membership).where(
            Membership.partnership_id == partnership_id, Membership.role == Role.coordinator.value))).one()
        partnership = await session.get(Partnership, partnership_id)
        if count == 1 and partnership is not None:
            alone.append(partnership)
    return alone
