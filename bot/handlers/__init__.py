"""Command handlers: ``COMMANDS`` maps a command name to ``async handler(turn, args)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.handlers import actions, contact, coordination, help, onboarding, privacy, results, session, settings
from bot.turn import Turn

Handler = Callable[[Turn, str], Awaitable[None]]

COMMANDS: dict[str, Handler] = {
    "help": help.show,
    "hjelp": help.show,
    "hjälp": help.show,
    "start": onboarding.start,
    "join": onboarding.start,
    "lang": onboarding.language,
    "språk": onboarding.language,
    "resume": onboarding.resume,
    "results": results.mine,
    "group": results.group,
    "privacy": privacy.show,
    "export": privacy.export,
    "erase": privacy.erase,
    "bind": coordination.bind,
    "round": coordination.round_command,
    "invite": coordination.invite,
    "add": coordination.add,
    "contact": contact.contact,
    "kontakt": contact.contact,
    "snooze": contact.snooze,
    "set": settings.set_command,
    "textonly": settings.text_only,
    "reminders": settings.reminders,
    "schedule": settings.schedule,
    "action": actions.action_command,
    "tiltak": actions.action_command,
    "actions": actions.list_actions,
    "ideas": actions.list_ideas,
    "report": coordination.report,
    "session": session.session_command,
    "samtale": session.session_command,
    "rapport": coordination.report,
    "ideer": actions.list_ideas,
}
