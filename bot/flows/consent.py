"""Consent and language: what a person goes through after joining, before answering."""

from __future__ import annotations

from bot.events import Choice
from bot.flows import rounds
from bot.turn import Turn
from core.i18n import LANGUAGE_NAMES, answer_words, normalise_language, t
from core.roles import RESIDENT
from storage.models import utcnow
from storage.people import leave_unconsented, membership_in

YES = {"y", "j", "consent_yes", "ok", "jo"} | answer_words("yes")
NO = {"n", "consent_no"} | answer_words("no")


CHOOSE_LANGUAGE = "consent_lang"
"""The consent question's language button: the terms again, in another language."""
CHOSEN = "consent:lang"
"""``awaiting`` while consent is asked after the person picked a language (not asked again after consent)."""


def _language_button() -> str:
    """``🌐 Språk · Language · اللغة · …``: readable whatever the current language."""
    return "🌐 " + " · ".join(dict.fromkeys(t(lang, "lang.word") for lang in LANGUAGE_NAMES))


def _language_words() -> set[str]:
    return {t(lang, "lang.word").lower() for lang in LANGUAGE_NAMES}


def _consent_choices(turn: Turn) -> tuple[Choice, ...]:
    return (Choice("consent_yes", turn.t("consent.yes")), Choice("consent_no", turn.t("consent.no")),
            Choice(CHOOSE_LANGUAGE, _language_button()))


async def terms(turn: Turn) -> str:
    """What is stored, why and who sees what, for the person's role: a resident records no contact or actions,
    answers for no organisation, and is not asked the partner survey's research question."""
    partnership = await turn.partnership()
    if partnership is None:
        return turn.t("privacy.text", k=3)
    membership = await membership_in(turn.session, turn.person.id, partnership.id)  # type: ignore[arg-type]
    resident = membership is not None and membership.role == RESIDENT
    return turn.t("privacy.text_resident" if resident else "privacy.text", k=partnership.k_threshold)


async def ask_consent(turn: Turn, *, language_chosen: bool = False) -> None:
    """Show what is stored and ask for consent (with a button to read it in another language)."""
    chosen = language_chosen or turn.identity.awaiting == CHOSEN  # shown again (e.g. after a command): still chosen
    turn.identity.awaiting = CHOSEN if chosen else "consent"
    turn.session.add(turn.identity)
    turn.say(await terms(turn))
    turn.say(turn.t("consent.ask"), _consent_choices(turn))


async def on_consent(turn: Turn, answer: str) -> None:
    """The answer to the consent question; declining leaves no membership behind."""
    word = answer.strip().lower().rstrip("!.،")
    if word in YES:
        language_chosen = turn.identity.awaiting == CHOSEN
        turn.person.consent_at = utcnow()
        turn.session.add(turn.person)
        turn.say(turn.t("consent.given"))
        if language_chosen:
            turn.identity.awaiting = None
            turn.session.add(turn.identity)
            await rounds.offer(turn)
        else:
            await ask_language(turn)
    elif word in NO:
        await leave_unconsented(turn.session, turn.person)
        await turn.session.refresh(turn.identity)
        turn.say(turn.t("consent.declined"))
        turn.person.lang = None  # nothing is kept about them, not even the language they chose
        turn.session.add(turn.person)
    elif word in (CHOOSE_LANGUAGE, "/lang", "lang") or (bare := word.lstrip("🌐 ").strip()) in ("", *_language_words()):
        await ask_language(turn)
    elif (lang := normalise_language(bare)) is not None:  # a language typed instead of an answer: the terms in it
        await set_language(turn, lang)
        await ask_consent(turn, language_chosen=True)
    else:
        turn.say(turn.t("consent.required"), _consent_choices(turn), is_error=True)


def _language_choices(first: str | None = None, command: str = "") -> tuple[Choice, ...]:
    order = ([first] if first else []) + [code for code in LANGUAGE_NAMES if code != first]
    return tuple(Choice(command + code, LANGUAGE_NAMES[code]) for code in order)


async def ask_language(turn: Turn) -> None:
    """Offer the languages, the current one first. Someone in no partnership gets ``/lang xx`` buttons instead:
    nothing is kept about a stranger while the question waits (``forget_stranger``)."""
    if turn.person.consent_at is None and await turn.partnership() is None:
        turn.say(turn.t("lang.ask"), _language_choices(turn.lang, "/lang "))
        return
    turn.identity.awaiting = "language"
    turn.session.add(turn.identity)
    turn.say(turn.t("lang.ask"), _language_choices(turn.lang))


async def on_language(turn: Turn, answer: str) -> None:
    """The answer to the language question; then the open rounds."""
    if await set_language(turn, answer):
        await proceed(turn, language_chosen=True)


async def set_language(turn: Turn, answer: str) -> bool:
    """Set the person's language from a code or name; says what is accepted otherwise."""
    lang = normalise_language(answer)
    if lang is None:
        turn.say(turn.t("lang.unknown"), _language_choices(turn.lang), is_error=True)
        return False
    turn.person.lang = lang
    if turn.identity.awaiting == "language":
        turn.identity.awaiting = None
    turn.session.add_all([turn.person, turn.identity])
    turn.say(turn.t("lang.set"))
    return True


async def proceed(turn: Turn, *, language_chosen: bool = False) -> None:
    """After joining: consent if missing, else offer the open rounds."""
    if turn.person.consent_at is None:
        await ask_consent(turn, language_chosen=language_chosen)
        return
    await rounds.offer(turn)
