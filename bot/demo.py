"""A demo partnership for trying the bot locally."""

from __future__ import annotations

from sqlmodel import select

from bot.round_lifecycle import open_
from storage.db import Database
from storage.models import Invite
from storage.partnerships import add_organisation, create_invite, create_partnership

DEMO_NAME = "Demo: Levende nabolag"
DEMO_CODES = {
    "DEMO-KOMMUNE": ("Bydel Nord (kommunen)", "municipality", "partner"),
    "DEMO-GRONN": ("Grønn Vekst AS", "social_enterprise", "partner"),
    "DEMO-FRIVILLIG": ("Frivilligsentralen", "ngo", "partner"),
    "DEMO-INNBYGGER": ("Innbyggere", "residents", "resident"),
}
DEMO_COORDINATOR_CODE = "DEMO-KOORD"
DEFAULT_DEMO_CODE = "DEMO-KOMMUNE"


async def ensure_demo(db: Database) -> bool:
    """Create the demo partnership with invite codes and an open SAMSON round, once."""
    async with db.session() as session:
        if (await session.exec(select(Invite).where(Invite.code == DEFAULT_DEMO_CODE))).first():
            return False
        partnership = await create_partnership(session, DEMO_NAME, k=3)
        for code, (name, kind, role) in DEMO_CODES.items():
            org = await add_organisation(session, partnership, name, kind)
            await create_invite(session, partnership, organisation=org, role=role, code=code)
        await create_invite(session, partnership, role="coordinator", code=DEMO_COORDINATOR_CODE)
        await open_(session, partnership, "samson", title="Vår 2027")  # residents get their own round with it
        await session.commit()
        return True
