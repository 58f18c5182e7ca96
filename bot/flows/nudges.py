"""Nudges to partners whose contact has gone quiet, and the coordinators' escalation."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.compose import composer
from bot.events import Reply
from core.i18n import DEFAULT_LANGUAGE, language_from_hint
from core.nudges import escalation_text, nudge_text
from storage.contacts import silence
from storage.models import ActionIdea, Membership, Organisation, Partnership, Person, Response, Round, utcnow


async def partners_to_call(session: AsyncSession, org: Organisation) -> list[str]:
    """Other organisations of the partnership, with a member's name to ask for, quietest first."""
    others = (await session.exec(select(Organisation).where(
        Organisation.partnership_id == org.partnership_id, Organisation.id != org.id)
        .order_by(col(Organisation.last_contact_at).is_(None), Organisation.last_contact_at))).all()
    names = []
    for other in others[:4]:
        person = (await session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                                     .where(Membership.organisation_id == other.id).order_by(Membership.id))).first()
        names.append(f"{other.name} ({person.display_name})" if person else other.name)
    return names


async def open_ideas(session: AsyncSession, partnership_id: int, limit: int = 3) -> list[str]:
    """The newest action ideas from the partnership's rounds."""
    rows = (await session.exec(
        select(ActionIdea.text).join(Response, Response.id == ActionIdea.response_id)
        .join(Round, Round.id == Response.round_id).where(Round.partnership_id == partnership_id)
        .order_by(col(ActionIdea.id).desc()).limit(limit))).all()
    return list(rows)


@composer("nudge")
async def _nudge(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    org = await session.get(Organisation, params["organisation_id"])
    person = await session.get(Person, params["person_id"])
    if org is None or person is None:
        return []
    due = datetime.fromisoformat(params["due"])
    if org.contact_due_at is not None and org.contact_due_at > due:
        return []  # contact was recorded after the nudge was decided: nothing to say
    if person.snoozed_until and person.snoozed_until > utcnow():
        return []
    partnership = await session.get(Partnership, org.partnership_id)
    assert partnership is not None
    lang = person.lang or language_from_hint(hint) or DEFAULT_LANGUAGE
    days = silence(org.last_contact_at, utcnow(), partnership.created_at)
    text = nudge_text(lang, org.name, days, await partners_to_call(session, org),
                      await open_ideas(session, partnership.id))  # type: ignore[arg-type]
    return [Reply(text=text)]


@composer("escalation")
async def _escalation(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    org = await session.get(Organisation, params["organisation_id"])
    if org is None:
        return []
    partnership = await session.get(Partnership, org.partnership_id)
    assert partnership is not None
    days = silence(org.last_contact_at, utcnow(), partnership.created_at)
    return [Reply(text=escalation_text(params.get("lang") or DEFAULT_LANGUAGE, org.name, days), private=False)]
