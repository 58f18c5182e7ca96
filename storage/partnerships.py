"""Partnerships, organisations and invite codes."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import LocalizedError
from storage.models import Invite, Membership, Organisation, OrgKind, Partnership, Role, utcnow

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class NotFound(LookupError):
    """A partnership, organisation or round that does not exist."""


class UnknownOrganisation(NotFound, LocalizedError):
    """No organisation of the partnership is ``ref``, or a part of several names is (``matches``); ``known`` are
    the names of those there are. ``text(lang)`` says so in chat; ``str()`` in the CLI."""

    def __init__(self, ref: str, partnership: Partnership, known: list[str], matches: list[str]) -> None:
        LocalizedError.__init__(self, "org.ambiguous" if len(matches) > 1 else "org.unknown", name=ref,
                                partnership=partnership.name, known=", ".join(known) or "—", matches=", ".join(matches))
        self.ref, self.known, self.matches = ref, known, matches
        self._line = (f"'{ref}' fits several organisations in {partnership.slug}: {', '.join(matches)}" if len(matches) > 1
                      else f"no organisation '{ref}' in {partnership.slug} (known: {', '.join(known) or 'none yet'})")

    def __str__(self) -> str:
        return self._line


def slugify(name: str) -> str:
    """A URL- and CLI-friendly id from a name: 'Bydel Øst' → 'bydel-ost'."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ø", "O").replace("æ", "ae"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "partnership"


async def create_partnership(
    session: AsyncSession, name: str, *, k: int = 3, timezone: str = "Europe/Oslo", lang: str = "nb"
) -> Partnership:
    """Create a partnership with a unique slug."""
    if not name.strip():
        raise ValueError("a partnership needs a name")
    base = slugify(name)
    slug, n = base, 1
    while (await session.exec(select(Partnership).where(Partnership.slug == slug))).first():
        n += 1
        slug = f"{base}-{n}"
    partnership = Partnership(name=name, slug=slug, k_threshold=k, timezone=timezone, lang=lang)
    session.add(partnership)
    await session.flush()
    return partnership


async def get_partnership(session: AsyncSession, ref: str | int) -> Partnership:
    """A partnership by id or slug."""
    query = select(Partnership)
    if isinstance(ref, int) or str(ref).isdigit():
        query = query.where(Partnership.id == int(ref))
    else:
        query = query.where(Partnership.slug == str(ref))
    found = (await session.exec(query)).first()
    if found is None:
        known = ", ".join(p.slug for p in await list_partnerships(session)) or "none yet"
        raise NotFound(f"no partnership '{ref}' (known: {known}; give the slug or the id)")
    return found


async def list_partnerships(session: AsyncSession) -> list[Partnership]:
    """All partnerships, oldest first."""
    return list((await session.exec(select(Partnership).order_by(Partnership.id))).all())


async def add_organisation(session: AsyncSession, partnership: Partnership, name: str, kind: str) -> Organisation:
    """Add an organisation of a known kind to a partnership."""
    if kind not in OrgKind.__members__:
        raise ValueError(f"unknown kind '{kind}': use one of {', '.join(OrgKind.__members__)}")
    if not name.strip():
        raise ValueError("an organisation needs a name")
    if any(o.name.casefold() == name.strip().casefold() for o in await list_organisations(session, partnership)):
        raise ValueError(f"'{name}' is already an organisation of {partnership.slug}")
    org = Organisation(partnership_id=partnership.id, name=name.strip(), kind=kind)
    session.add(org)
    await session.flush()
    return org


async def get_organisation(session: AsyncSession, partnership: Partnership, ref: str) -> Organisation:
    """An organisation of the partnership by id or (case-insensitive) name, or a part of one name only ("Rema"
    for "Rema 1000 Sagene")."""
    orgs = await list_organisations(session, partnership)
    for org in orgs:
        if str(org.id) == ref or org.name.casefold() == ref.casefold():
            return org
    partly = [org for org in orgs if ref.strip() and ref.strip().casefold() in org.name.casefold()]
    if len(partly) == 1:
        return partly[0]
    raise UnknownOrganisation(ref, partnership, [o.name for o in orgs], [o.name for o in partly])


async def list_organisations(session: AsyncSession, partnership: Partnership) -> list[Organisation]:
    """The partnership's organisations."""
    query = select(Organisation).where(Organisation.partnership_id == partnership.id).order_by(Organisation.id)
    return list((await session.exec(query)).all())


def new_code(prefix: str = "") -> str:
    """A short random invite code that is easy to type and read aloud."""
    body = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{prefix}{body[:4]}-{body[4:]}"


async def create_invite(
    session: AsyncSession,
    partnership: Partnership,
    *,
    organisation: Organisation | None = None,
    role: str = Role.partner.value,
    max_uses: int | None = None,
    expires_at: datetime | None = None,
    code: str | None = None,
) -> Invite:
    """Create an invite code for a partnership (and organisation, for partners).

    A partner code for the residents' organisation is a resident code: residents answer their own rounds.
    """
    if role not in Role.__members__:
        raise ValueError(f"unknown role '{role}': use one of {', '.join(Role.__members__)}")
    if role == Role.partner.value and organisation is not None and organisation.kind == OrgKind.residents.value:
        role = Role.resident.value
    invite = Invite(
        code=(code or new_code()).upper(),
        partnership_id=partnership.id,
        organisation_id=organisation.id if organisation else None,
        role=role,
        max_uses=max_uses,
        expires_at=expires_at,
    )
    session.add(invite)
    await session.flush()
    return invite


async def find_invite(session: AsyncSession, partnership_id: int, code: str) -> Invite | None:
    """The partnership's invite with ``code`` (any case), used up or not."""
    query = select(Invite).where(Invite.code == code.strip().upper(), Invite.partnership_id == partnership_id)
    return (await session.exec(query)).first()


async def redeem_invite(session: AsyncSession, code: str, person_id: int) -> tuple[Membership, bool] | None:
    """Join a person through a code. Returns (membership, newly joined), or None if the code is unusable."""
    invite = (await session.exec(select(Invite).where(Invite.code == code.strip().upper()))).first()
    if invite is None:
        return None
    existing = (
        await session.exec(
            select(Membership).where(
                Membership.person_id == person_id, Membership.partnership_id == invite.partnership_id
            )
        )
    ).first()
    if existing:
        return existing, False
    if invite.expires_at and invite.expires_at < utcnow():
        return None
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return None
    invite.uses += 1
    membership = Membership(
        person_id=person_id,
        partnership_id=invite.partnership_id,
        organisation_id=invite.organisation_id,
        role=invite.role,
        invite_id=invite.id,
    )
    session.add_all([invite, membership])
    await session.flush()
    return membership, True
