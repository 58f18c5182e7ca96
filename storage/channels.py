"""Channels and groups bound to a partnership."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChannelBinding, ChannelPurpose


async def bind_channel(
    session: AsyncSession, partnership_id: int, platform: str, workspace: str, channel: str, purpose: str, lang: str
) -> ChannelBinding:
    """Bind (or re-bind) a channel to a partnership for one purpose."""
    if purpose not in ChannelPurpose.__members__:
        raise ValueError(f"unknown purpose '{purpose}': use one of {', '.join(ChannelPurpose.__members__)}")
    query = select(ChannelBinding).where(
        ChannelBinding.platform == platform, ChannelBinding.workspace == workspace, ChannelBinding.channel == channel
    )
    binding = (await session.exec(query)).first() or ChannelBinding(
        partnership_id=partnership_id, platform=platform, workspace=workspace, channel=channel
    )
    binding.partnership_id = partnership_id
    binding.purpose = purpose
    binding.lang = lang
    session.add(binding)
    await session.flush()
    return binding


async def binding_of(session: AsyncSession, platform: str, workspace: str, channel: str) -> ChannelBinding | None:
    """The binding of a channel, if any."""
    query = select(ChannelBinding).where(
        ChannelBinding.platform == platform, ChannelBinding.workspace == workspace, ChannelBinding.channel == channel
    )
    return (await session.exec(query)).first()


async def bindings(session: AsyncSession, partnership_id: int, *purposes: str) -> list[ChannelBinding]:
    """A partnership's bound channels, optionally only those for some purposes."""
    query = select(ChannelBinding).where(ChannelBinding.partnership_id == partnership_id)
    if purposes:
        query = query.where(ChannelBinding.purpose.in_(purposes))  # type: ignore[attr-defined]
    return list((await session.exec(query.order_by(ChannelBinding.id))).all())
