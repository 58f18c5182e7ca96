"""Composing nudges to partners whose contact has gone quiet, and the coordinators' escalation."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import actions
from bot.events import Reply
from core.i18n import DEFAULT_LANGUAGE, language_from_hint
from core.nudges import escalation_text, nudge_text
from core.roles import PARTNER
from core.schedule import zone
from storage.contacts import silence
from storage.models import ActionStatus, Membership, Organisation, OrgKind, Partnership, Person, utcnow


async def partners_to_call(session: AsyncSession, org: Organisation) -> list[str]:
    """Other partner organisations, quietest first, each with a partner's name to ask for (never a resident's)."""
    others = (await session.exec(select(Organisation).where(
        Organisation.partnership_id == org.partnership_id, Organisation.id != org.id,
        Organisation.kind != OrgKind.residents.value)
        .order_by(col(Organisation.last_contact_at).is_(None), Organisation.last_contact_at))).all()
    names = []
    for other in others[:4]:
        person = (await session.exec(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.organisation_id == other.id, Membership.role == PARTNER,
                   col(Person.consent_at).is_not(None))
            .order_by(Membership.id))).first()
        names.append(f"{other.name} ({person.display_name})" if person else other.name)
    return names


async def compose_nudge(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """A nudge to one member ([] if contact was recorded meanwhile, or they snoozed)."""
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
    days = silence(org.last_contact_at, utcnow(), partnership.created_at, zone(partnership.timezone))
    ideas = await actions.visible(session, partnership, coordinator=False, statuses=(ActionStatus.proposed.value,))
    newest = [i.text for i in sorted(ideas, key=lambda i: -i.number)[:3]]  # ideas still open: none agreed or done
    text = nudge_text(lang, org.name, days, await partners_to_call(session, org), newest)
    return [Reply(text=text)]


async def compose_escalation(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    """For the coordinators' channel: an organisation missed a second contact interval."""
    org = await session.get(Organisation, params["organisation_id"])
    if org is None:
        return []
    partnership = await session.get(Partnership, org.partnership_id)
    assert partnership is not None
    days = silence(org.last_contact_at, utcnow(), partnership.created_at, zone(partnership.timezone))
    return [Reply(text=escalation_text(params.get("lang") or DEFAULT_LANGUAGE, org.name, days))]
