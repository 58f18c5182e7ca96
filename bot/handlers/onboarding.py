"""Joining: /start with an invite code, consent, and choosing a language."""

from __future__ import annotations

from bot.events import Choice
from bot.flows import rounds
from bot.turn import Turn
from core.i18n import LANGUAGE_NAMES, normalise_language
from storage.models import Organisation, Role, utcnow
from storage.partnerships import get_partnership, redeem_invite

YES = {"yes", "y", "ja", "j", "consent_yes", "ok", "jo"}
NO = {"no", "n", "nei", "nej", "consent_no"}


async def start(turn: Turn, args: str) -> None:
    """``/start CODE``: join a partnership, then consent and pick a language."""
    code = args.strip().split(" ")[0] if args.strip() else ""
    if not code:
        partnership = await turn.partnership()
        if partnership is None:
            turn.say(turn.t("welcome") + "\n" + turn.t("start.need_code"))
            return
        turn.say(turn.t("start.already", partnership=partnership.name))
        await _continue(turn)
        return
    redeemed = await redeem_invite(turn.session, code, turn.person.id)  # type: ignore[arg-type]
    if redeemed is None:
        shown = code if len(code) <= 24 else code[:24] + "…"
        turn.say(turn.t("start.bad_code", code=shown), is_error=True)
        return
    membership, _new = redeemed
    partnership = await get_partnership(turn.session, membership.partnership_id)
    turn.identity.current_partnership_id = partnership.id
    turn.session.add(turn.identity)
    if membership.role == Role.coordinator.value:
        joined = turn.t("start.joined_coordinator", partnership=partnership.name)
    else:
        org = await turn.session.get(Organisation, membership.organisation_id) if membership.organisation_id else None
        joined = turn.t("start.joined", partnership=partnership.name, organisation=org.name if org else "—")
    if turn.person.consent_at is None:
        turn.say(turn.t("welcome") + "\n" + joined)
        await ask_consent(turn)
        return
    turn.say(joined)
    await _continue(turn)


async def ask_consent(turn: Turn) -> None:
    """Show what is stored and ask for consent."""
    partnership = await turn.partnership()
    k = partnership.k_threshold if partnership else 3
    turn.identity.awaiting = "consent"
    turn.session.add(turn.identity)
    turn.say(turn.t("privacy.text", k=k))
    turn.say(
        turn.t("consent.ask"),
        (Choice("consent_yes", turn.t("consent.yes")), Choice("consent_no", turn.t("consent.no"))),
    )


async def on_consent(turn: Turn, answer: str) -> None:
    """The answer to the consent question."""
    word = answer.strip().lower().rstrip("!.")
    if word in YES:
        turn.person.consent_at = utcnow()
        turn.session.add(turn.person)
        turn.say(turn.t("consent.given"))
        await ask_language(turn)
    elif word in NO:
        turn.identity.awaiting = None
        turn.session.add(turn.identity)
        turn.say(turn.t("consent.declined"))
    else:
        turn.say(turn.t("consent.required"), (
            Choice("consent_yes", turn.t("consent.yes")), Choice("consent_no", turn.t("consent.no"))
        ), is_error=True)


async def ask_language(turn: Turn) -> None:
    """Offer nb / sv / en, the current language first."""
    turn.identity.awaiting = "language"
    turn.session.add(turn.identity)
    order = [turn.lang] + [code for code in LANGUAGE_NAMES if code != turn.lang]
    turn.say(turn.t("lang.ask"), tuple(Choice(code, LANGUAGE_NAMES[code]) for code in order))


async def on_language(turn: Turn, answer: str) -> None:
    """The answer to the language question."""
    lang = normalise_language(answer)
    if lang is None:
        turn.say(turn.t("lang.unknown"), tuple(Choice(c, n) for c, n in LANGUAGE_NAMES.items()), is_error=True)
        return
    turn.person.lang = lang
    turn.identity.awaiting = None
    turn.session.add_all([turn.person, turn.identity])
    turn.say(turn.t("lang.set"))
    await _continue(turn)


async def language(turn: Turn, args: str) -> None:
    """``/lang [nb|sv|en]``: set the language, or offer the choice."""
    if not args:
        await ask_language(turn)
        return
    lang = normalise_language(args)
    if lang is None:
        turn.say(turn.t("lang.unknown"), tuple(Choice(c, n) for c, n in LANGUAGE_NAMES.items()), is_error=True)
        return
    turn.person.lang = lang
    if turn.identity.awaiting == "language":
        turn.identity.awaiting = None
    turn.session.add_all([turn.person, turn.identity])
    turn.say(turn.t("lang.set"))


async def _continue(turn: Turn) -> None:
    """After joining: consent if missing, else offer the open rounds."""
    if turn.person.consent_at is None:
        await ask_consent(turn)
        return
    await rounds.offer(turn)
