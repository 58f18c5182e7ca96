"""The local chat of ``samson run`` (no platform token) and ``samson demo``, and when the demo partnership is added."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from sqlmodel import select

from bot.config import Settings
from storage.db import Database
from storage.models import Invite, Partnership


async def demo_present(db: Database, *, add: bool) -> bool:
    """Whether the demo partnership is in the database; it is added first when ``add`` or the database is empty."""
    from bot.demo import DEFAULT_DEMO_CODE, ensure_demo

    async with db.session() as session:
        empty = (await session.exec(select(Partnership.id))).first() is None
    if add or empty:
        await ensure_demo(db)
    async with db.session() as session:
        return (await session.exec(select(Invite.id).where(Invite.code == DEFAULT_DEMO_CODE))).first() is not None


async def console(settings: Settings, user: str | None, invite: str | None, charts_dir: Path, *, demo: bool) -> None:
    """Chat in this terminal; ``demo`` adds the demo partnership to any database (else only to an empty one)."""
    from bot.adapters.console import ConsoleAdapter, safe_name
    from bot.demo import DEFAULT_DEMO_CODE, DEMO_CODES, DEMO_COORDINATOR_CODE
    from bot.dispatch import BotCore
    from storage.people import find_identity, memberships

    db = Database(settings.database_url)
    await db.migrate()
    has_demo = await demo_present(db, add=demo)
    user = user or login_name()
    async with db.session() as session:  # a look only: nothing is stored about them before they write
        found = await find_identity(session, "console", "local", user)
        is_member = found is not None and bool(await memberships(session, found[1].id))  # type: ignore[arg-type]
        awaiting = found[0].awaiting if found else None
    adapter = ConsoleAdapter(
        BotCore(db), user=user, stdin=sys.stdin, stdout=sys.stdout, charts_dir=charts_dir / safe_name(user),
        locale_hint=os.environ.get("LANG", "").split(".")[0] or None, echo=not sys.stdin.isatty(),
    )
    print(f"SAMSON local chat as '{user}' (database: {settings.database_url}). Type /help; Ctrl-D or /exit leaves.")
    if not is_member and has_demo:
        codes = ", ".join([*DEMO_CODES, DEMO_COORDINATOR_CODE])
        print(f"Demo invite codes: {codes}. Joining with {invite or DEFAULT_DEMO_CODE}.")
    elif not is_member and not invite:
        print("You are not in a partnership yet: type /start CODE with a code from `samson invite create`.")
    first: list[str] = []
    if invite or (not is_member and has_demo):
        first = [f"/start {invite or DEFAULT_DEMO_CODE}"]
    elif is_member:  # where they left off: the language question, if that was still open, else their round
        first = ["/lang"] if awaiting == "language" else ["/resume"]
    try:
        await adapter.run(first)
    finally:
        await db.close()


def login_name() -> str:
    """The login name, the default console user."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local"
