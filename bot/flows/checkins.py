"""The monthly check-in: contact from answers, reminders and the dialogue digest."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.compose import composer
from bot.events import Choice, Reply
from bot.flows.samson import group_profile
from bot.turn import Turn
from core.i18n import DEFAULT_LANGUAGE, language_from_hint, t
from core.instrument import load_instrument
from core.report import fmt
from core.schedule import zone
from core.scoring import GroupProfile, weakest_statements
from core.summary import Health, OrgCount, digest_text, discussion_question
from storage.contacts import contact_health, record_contact
from storage.models import Answer, Organisation, Partnership, Person, Response, Round, utcnow
from storage.rounds import participation

CONTACT_ITEM = "ci.contact"
ACTION_ITEM = "ci.action"
SCORE_ITEM = "ci.collaboration"


async def on_completed(turn: Turn, round_: Round, response: Response) -> None:
    """After the last check-in item: the contact answer counts as contact; thank the person."""
    partnership = await turn.session.get(Partnership, round_.partnership_id)
    answer = (await turn.session.exec(select(Answer).where(
        Answer.response_id == response.id, Answer.item_id == CONTACT_ITEM))).first()
    if partnership and response.organisation_id and answer and answer.text and answer.text != "none":
        org = await turn.session.get(Organisation, response.organisation_id)
        if org is not None:
            await record_contact(turn.session, org, partnership.contact_frequency, kind=answer.text,
                                 source="checkin", person_id=turn.person.id)
    turn.say(turn.t("checkin.thanks"))


def local_time(round_: Round, partnership: Partnership, person: Person | None) -> str:
    """When a check-in closes, in the reader's time zone."""
    assert round_.closes_at is not None
    tz = zone((person.timezone if person else None) or partnership.timezone)
    return round_.closes_at.astimezone(tz).strftime("%d.%m. %H:%M")


@composer("checkin_reminder")
async def _reminder(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    round_ = await session.get(Round, params["round_id"])
    person = await session.get(Person, params["person_id"])
    if round_ is None or person is None or round_.status != "open":
        return []
    done = (await session.exec(select(Response.id).where(
        Response.round_id == round_.id, Response.person_id == person.id,
        col(Response.completed_at).is_not(None)))).first()
    if done:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    lang = person.lang or language_from_hint(hint) or DEFAULT_LANGUAGE
    text = t(lang, "checkin.reminder", partnership=partnership.name, closes=local_time(round_, partnership, person))
    return [Reply(text=text, choices=(Choice(f"/resume {round_.id}", t(lang, "round.start")),))]


async def discussion(session: AsyncSession, partnership: Partnership, lang: str) -> str:
    """The question for the next meeting, from the weakest sub-theme of the latest SAMSON round (if ≥ k)."""
    rounds = (await session.exec(select(Round).where(
        Round.partnership_id == partnership.id, Round.instrument_id == "samson").order_by(col(Round.id).desc()))).all()
    instrument = load_instrument("samson")
    for round_ in rounds:
        group = await group_profile(session, round_, partnership.k_threshold)
        if isinstance(group, GroupProfile):
            weakest = weakest_statements(instrument, group, 1)
            if weakest:
                item = instrument.item(weakest[0][0])
                return discussion_question(lang, item.subtheme.get(lang) if item.subtheme else None,
                                           item.text.get(lang), fmt(lang, weakest[0][1]))
    return discussion_question(lang, None, None, None)


@composer("checkin_digest")
async def _digest(session: AsyncSession, params: dict, hint: str | None) -> list[Reply]:
    round_ = await session.get(Round, params["round_id"])
    if round_ is None:
        return []
    partnership = await session.get(Partnership, round_.partnership_id)
    assert partnership is not None
    lang = params.get("lang") or DEFAULT_LANGUAGE
    orgs = await participation(session, round_)
    counts = [OrgCount(o.organisation, len(o.completed), o.members) for o in orgs if o.members]
    health = [Health(h.organisation, h.days, h.overdue) for h in await contact_health(session, partnership, utcnow())]
    answered = sum(c.answered for c in counts)
    actions: list[str] = []
    if answered >= partnership.k_threshold:  # free text is shown only among at least k respondents
        actions = [a.text for a in (await session.exec(
            select(Answer).join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_.id, Answer.item_id == ACTION_ITEM, col(Answer.text).is_not(None))
            .order_by(Answer.id))).all() if a.text]
    title = t(lang, "checkin.title", period=round_.period or round_.title)
    text = digest_text(lang, title, counts, health, actions, await discussion(session, partnership, lang))
    return [Reply(text=text, private=False)]


async def checkin_highlight(session: AsyncSession, partnership: Partnership, lang: str) -> str | None:
    """A line about the latest check-in for the coordinator summary (the mean only over ≥ k answers)."""
    round_ = (await session.exec(select(Round).where(
        Round.partnership_id == partnership.id, Round.instrument_id == "checkin").order_by(col(Round.id).desc()))).first()
    if round_ is None:
        return None
    scores = [a.number for a in (await session.exec(
        select(Answer).join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_.id, col(Response.completed_at).is_not(None), Answer.item_id == SCORE_ITEM)
    )).all()]
    title = t(lang, "checkin.title", period=round_.period or round_.title)
    if len(scores) < partnership.k_threshold:
        return t(lang, "summary.checkin_withheld", title=title, k=partnership.k_threshold)
    present = [s for s in scores if s is not None]
    mean = sum(present) / len(present) if present else None
    return t(lang, "summary.checkin", title=title, n=len(scores), mean=fmt(lang, mean))
