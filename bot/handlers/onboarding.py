"""/start with an invite code, /lang, and /resume."""

from __future__ import annotations

from bot.flows import consent, rounds
from bot.turn import Turn
from storage.models import Organisation, Role
from storage.partnerships import find_invite, get_partnership, redeem_invite


async def start(turn: Turn, args: str) -> None:
    """``/start CODE``: join a partnership, then consent and pick a language."""
    code = args.strip().split(" ")[0] if args.strip() else ""
    if not code:
        partnership = await turn.partnership()
        if partnership is None:
            turn.say(turn.t("welcome") + "\n" + turn.t("start.need_code"))
            return
        turn.say(turn.t("start.already", partnership=partnership.name))
        await consent.proceed(turn)
        return
    redeemed = await redeem_invite(turn.session, code, turn.person.id)  # type: ignore[arg-type]
    if redeemed is None:
        shown = code if len(code) <= 24 else code[:24] + "…"
        turn.say(turn.t("start.bad_code", code=shown), is_error=True)
        return
    membership, new = redeemed
    partnership = await get_partnership(turn.session, membership.partnership_id)
    turn.identity.current_partnership_id = partnership.id
    if turn.person.lang is None and not turn.identity.locale_hint:  # no platform hint: the partnership's language
        turn.identity.locale_hint = partnership.lang
    turn.session.add(turn.identity)
    org = await turn.session.get(Organisation, membership.organisation_id) if membership.organisation_id else None
    invite = await find_invite(turn.session, partnership.id, code)  # type: ignore[arg-type]
    other = invite is not None and (invite.role, invite.organisation_id) != (membership.role, membership.organisation_id)
    if not new and other:  # a member already, with another code: say as what (it never changes a membership)
        joined = turn.t("start.already_member", partnership=partnership.name, role=turn.t(f"role.{membership.role}"),
                        organisation=f", {org.name}" if org else "")
    elif membership.role == Role.coordinator.value:
        joined = turn.t("start.joined_coordinator", partnership=partnership.name)
    else:
        joined = turn.t("start.joined", partnership=partnership.name, organisation=org.name if org else "—")
    if turn.person.consent_at is None:
        turn.say(turn.t("welcome") + "\n" + joined)
        await consent.ask_consent(turn)
        return
    turn.say(joined)
    await consent.proceed(turn)


async def language(turn: Turn, args: str) -> None:
    """``/lang [nb|sv|en]``: set the language, or offer the choice."""
    if not args:
        await consent.ask_language(turn)
        return
    was_awaiting = turn.identity.awaiting
    if not await consent.set_language(turn, args):
        return
    if turn.person.consent_at is None:
        if await turn.partnership():
            await consent.ask_consent(turn, language_chosen=True)  # the terms again, now in a language they read
        return
    if turn.identity.active_response_id and was_awaiting in ("round", "language"):  # not after a pause
        await rounds.continue_active(turn)  # in the middle of a round: its question again, in the new language
    elif was_awaiting == "language":
        await consent.proceed(turn, language_chosen=True)  # as if picked from the list


async def resume(turn: Turn, args: str) -> None:
    """``/resume [round id]``: start or continue an open round (asks for consent first if needed)."""
    if await turn.partnership() is None:
        turn.say(turn.t("not_member"))
        return
    if turn.person.consent_at is None:
        await consent.ask_consent(turn)
        return
    await rounds.resume(turn, args)
