"""Messages a round sends beyond the conversation: invitations to members, group charts to channels.

They are decided into the outbox with unique keys and sent after the commit.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.channels import bindings
from storage.models import Identity, Membership, Partnership, Role, Round


def eligible(role: str, audience: str) -> bool:
    """Whether a member with ``role`` may answer a round for ``audience``."""
    if audience == "all":
        return True
    if audience == "residents":
        return role in (Role.resident.value, Role.coordinator.value)
    return role != Role.resident.value


def dm_target(identity: Identity) -> str | None:
    """Where to reach a person privately: the known DM chat, or on Slack the user id itself."""
    if identity.unreachable:
        return None
    if identity.dm_channel:
        return identity.dm_channel
    return identity.user_id if identity.platform == "slack" else None


async def invite_members(session: AsyncSession, round_: Round, planner: object | None = None) -> int:
    """Decide a DM to every eligible member about a newly opened round; returns how many.

    With a scheduler ``planner``, decisions go through it (so dry runs can list them).
    """
    query = (
        select(Membership, Identity)
        .join(Identity, Identity.person_id == Membership.person_id)
        .where(Membership.partnership_id == round_.partnership_id)
        .order_by(Identity.id)
    )
    count = 0
    for membership, identity in (await session.exec(query)).all():
        target = dm_target(identity)
        if target is None or not eligible(membership.role, round_.audience):
            continue
        fields = dict(platform=identity.platform, workspace=identity.workspace, channel=target, kind="round_invite",
                      params={"round_id": round_.id, "person_id": membership.person_id},
                      partnership_id=round_.partnership_id)
        key = f"round-invite:{round_.id}:{identity.id}"
        if planner is not None:
            count += await planner.enqueue(key, **fields)  # type: ignore[attr-defined]
        else:
            count += await outbox.enqueue(session, key, **fields)  # type: ignore[arg-type]
    return count


async def post_group_chart(session: AsyncSession, partnership: Partnership, round_: Round, occasion: str) -> int:
    """Decide the group chart for the partners' (and, if they answer, residents') channels."""
    purposes = ["partners"] + (["residents"] if round_.audience != "partners" else [])
    count = 0
    for binding in await bindings(session, partnership.id, *purposes):  # type: ignore[arg-type]
        count += await outbox.enqueue(
            session, f"group-chart:{round_.id}:{binding.id}:{occasion}", platform=binding.platform,
            workspace=binding.workspace, channel=binding.channel, kind="group_chart",
            params={"round_id": round_.id, "lang": binding.lang}, partnership_id=partnership.id,
        )
    return count


async def post_summary(session: AsyncSession, partnership: Partnership, occasion: str) -> int:
    """Decide a coordinator summary (e.g. after a round closes) for the coordinators' channels."""
    count = 0
    for binding in await bindings(session, partnership.id, "coordinators"):  # type: ignore[arg-type]
        count += await outbox.enqueue(
            session, f"summary:{partnership.id}:{occasion}:{binding.id}", platform=binding.platform,
            workspace=binding.workspace, channel=binding.channel, kind="summary",
            params={"partnership_id": partnership.id, "lang": binding.lang, "occasion": occasion},
            partnership_id=partnership.id,
        )
    return count
