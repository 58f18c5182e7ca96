"""Coordinator commands in chat: bind a channel, open/close/follow rounds, invite and add partners.

Each is refused, with a clear message, for anyone who is not a coordinator of the partnership.
"""

from __future__ import annotations

import re

from sqlmodel import select

from bot import publishing, reports, round_lifecycle, summaries
from bot.events import Audience, Choice
from bot.invitations import invite_members
from bot.turn import Turn
from core.i18n import LANGUAGES, t
from core.instrument import instrument_named
from core.qr import qr_png
from core.roles import AUDIENCES, PARTNER, RESIDENT
from storage.channels import bind_channel, binding_of, bindings
from storage.models import Membership, Partnership, Role, Round, utcnow
from storage.partnerships import UnknownOrganisation, create_invite, get_organisation, list_organisations
from storage.people import membership_in, resolve_identity
from storage.rounds import RoundError, companions, count_completed, open_rounds, participation, unfinished_count

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


async def coordinator_partnership(turn: Turn) -> Partnership | None:
    """The partnership the person coordinates here (the channel's, else their current one), or a refusal."""
    partnership = None
    if not turn.event.private:
        binding = await binding_of(turn.session, turn.event.platform, turn.event.workspace, turn.event.channel)
        if binding is not None:
            partnership = await turn.session.get(Partnership, binding.partnership_id)
    partnership = partnership or await turn.partnership()
    if partnership is None:
        turn.say(turn.t("coord.no_partnership"), is_error=True)
        return None
    membership = await membership_in(turn.session, turn.person.id, partnership.id)  # type: ignore[arg-type]
    if membership is None or membership.role != Role.coordinator.value:
        turn.say(turn.t("coord.only", partnership=partnership.name), is_error=True)
        return None
    return partnership


BIND_WORDS = {"partnere": "partners", "partnerne": "partners", "partnerna": "partners", "partner": "partners",
              "koordinatorer": "coordinators", "koordinatorene": "coordinators", "samordnare": "coordinators",
              "samordnarna": "coordinators", "innbyggere": "residents", "innbyggerne": "residents",
              "invånare": "residents", "invånarna": "residents"}
"""What /bind takes besides partners, coordinators and residents (Norwegian and Swedish)."""


async def bind(turn: Turn, args: str) -> None:
    """``/bind partners|coordinators|residents``, run in the channel or group to bind."""
    purpose = BIND_WORDS.get(args.strip().lower(), args.strip().lower())
    if purpose not in ("partners", "coordinators", "residents"):
        turn.say(turn.t("bind.usage"), is_error=True)
        return
    if turn.event.private:
        turn.say(turn.t("bind.need_channel"), is_error=True)
        return
    partnership = await coordinator_partnership(turn)
    if partnership is None:
        return
    event = turn.event
    if not event.bot_in_chat:
        turn.say(turn.t("bind.invite_first"), is_error=True)
        return
    # The channel speaks the partnership's language, whoever binds it.
    lang = partnership.lang
    await bind_channel(turn.session, partnership.id, event.platform, event.workspace, event.channel, purpose, lang)  # type: ignore[arg-type]
    turn.say(t(lang, "bind.done", partnership=partnership.name, purpose=t(lang, f"purpose.{purpose}")),
             audience=Audience.CHAT)


CLOSE_NOW = {"now", "nå", "nu"}
"""``/round close now``: close although some answers are still in progress."""


async def _in_progress(turn: Turn, round_: Round) -> int:
    """How many others' answers to the round (and its residents' companion) are started but not finished."""
    rounds = [round_, *await companions(turn.session, round_)]
    return await unfinished_count(turn.session, [r.id for r in rounds], but=turn.person.id)  # type: ignore[misc]


async def round_command(turn: Turn, args: str) -> None:
    """``/round open [samson|survey] [all|partners|residents] [title]``, ``/round close [survey] [now]``,
    ``/round publish [survey]``, ``/round status [survey]``."""
    action, _, rest = args.strip().partition(" ")
    action = action.lower()
    if action not in ("open", "close", "publish", "status"):
        turn.say(turn.t("round.usage"), is_error=True)
        return
    partnership = await coordinator_partnership(turn)
    if partnership is None:
        return
    first, _, after = rest.strip().partition(" ")
    instrument = instrument_named(first)
    if instrument:
        rest = after
    if action == "open":
        audience, _, title = rest.strip().partition(" ")
        if audience.lower() not in AUDIENCES:
            audience, title = "all", rest.strip()
        try:
            round_, invited = await round_lifecycle.open_(turn.session, partnership, instrument or "samson",
                                                          title=title or None, audience=audience.lower())
        except RoundError as exc:
            turn.say(exc.text(turn.lang), is_error=True)
            return
        turn.outbox_written = turn.outbox_written or invited > 0
        turn.say(turn.t("round.opened", number=round_.number, title=round_.title, invited=invited))
        return
    current = [r for r in await open_rounds(turn.session, partnership.id, instrument)  # type: ignore[arg-type]
               if r.parent_round_id is None]  # a residents' companion round closes with its partners' round
    extra = rest.strip().lower()
    if extra and not (action == "close" and extra in CLOSE_NOW):  # an unknown word never closes some other round
        rounds = await open_rounds(turn.session, partnership.id)  # type: ignore[arg-type]
        names = " | ".join(f"/round {action} {r.instrument_id}" for r in rounds if r.parent_round_id is None) or "—"
        turn.say(turn.t("round.unknown_word", word=rest.strip(), names=names), is_error=True)
        return
    if action == "status" and instrument is None and len(current) > 1:  # reading changes nothing: every open round
        lines: list[str] = []
        for round_ in sorted(current, key=lambda r: r.instrument_id != "samson"):
            lines += [*([""] if lines else []), *await _status_of(turn, round_)]
        turn.say("\n".join(lines))
        return
    if instrument is None and action != "status":  # the one open round, SAMSON first; a check-in only by name
        current = sorted((r for r in current if r.instrument_id != "checkin"), key=lambda r: r.instrument_id != "samson")
        if len(current) > 1:
            names = " | ".join(f"/round {action} {r.instrument_id}" for r in current)
            turn.say(turn.t("round.which", names=names), is_error=True)
            return
    if not current:
        turn.say(turn.t("round.none_to_close" if action == "close" else "round.none_open_coordinator"))
        return
    round_ = current[0]
    if action == "close":
        if rest.strip().lower() not in CLOSE_NOW and (started := await _in_progress(turn, round_)):
            named = f" {round_.instrument_id}"
            turn.say(turn.t("round.close_confirm", title=round_.title, n=started),
                     (Choice(f"/round close{named} now", turn.t("round.close_anyway")),
                      Choice(f"/round status{named}", turn.t("round.see_status"))))
            return
        closed = await round_lifecycle.close(turn.session, partnership, round_)
        turn.outbox_written = turn.outbox_written or closed.messages > 0
        turn.say(turn.t("round.closed_now", number=round_.number, title=round_.title, done=closed.completed))
        if round_.instrument_id == "checkin":  # the digest, also when no partners' channel is bound to get it
            for reply in await summaries.latest_digest(turn.session, partnership, turn.lang):
                turn.say(reply.text)
        elif not closed.shown:
            earlier = await publishing.previous_round(turn.session, round_) is not None
            turn.say(turn.t("round.closed_withheld", k=partnership.k_threshold)
                     + (" " + turn.t("round.earlier_stands") if earlier else ""))
        return
    if action == "publish":
        publication, messages = await round_lifecycle.publish_interim(turn.session, partnership, round_)
        turn.outbox_written = turn.outbox_written or messages > 0
        if publication is None:
            turn.say(turn.t("round.publish_refused", k=partnership.k_threshold))
        else:
            key = "round.published" if messages else "round.published_no_channel"  # nobody is sent it: say where it is
            turn.say(turn.t(key, title=round_.title, n=publication.respondents, channels=messages))
        return
    turn.say("\n".join(await _status_of(turn, round_)))


async def _status_of(turn: Turn, round_: Round) -> list[str]:
    """A round's participation lines, and its residents' own round's (opened with it) when anyone is in that."""
    lines = await _status_lines(turn, round_)
    for companion in await companions(turn.session, round_):
        if any(o.members or o.in_progress or o.completed for o in await participation(turn.session, companion)):
            lines += ["", *await _status_lines(turn, companion)]
    return lines


async def _status_lines(turn: Turn, round_: Round) -> list[str]:
    """A round's participation: a headline, then each organisation expected in it (names of who completed, and of
    who is still answering)."""
    done = await count_completed(turn.session, round_.id)  # type: ignore[arg-type]
    orgs = await participation(turn.session, round_)
    total = sum(o.members for o in orgs)
    head = "round.status_line_residents" if round_.parent_round_id is not None else "round.status_line"  # same title
    lines = [turn.t(head, number=round_.number, title=round_.title, done=done, total=total)]
    if not orgs:  # nobody expected and no answers: say how people get in
        role = RESIDENT if round_.audience == "residents" or round_.parent_round_id else PARTNER
        lines.append(turn.t("round.status_nobody", role=turn.t(f"role.{role}").lower()))
    for org in orgs:
        name = turn.t("round.status_no_org") if org.organisation == "—" else org.organisation
        lines.append("• " + turn.t("round.status_org", organisation=name, done=len(org.completed), total=org.members,
                                   started=f"{len(org.in_progress)} ({', '.join(org.in_progress)})" if org.in_progress else 0,
                                   names=" – " + ", ".join(org.completed) if org.completed else ""))
    return lines


ROLE_WORDS = {**{t(lang, f"role.{role}").lower(): role for role in Role.__members__ for lang in LANGUAGES},
              **{role: role for role in Role.__members__}}
"""The roles as /invite takes them: ``partner|resident|coordinator``, or their names in any language."""


async def invite(turn: Turn, args: str) -> None:
    """``/invite [organisation] [partner|resident|coordinator]``: a code, and on Telegram a link and QR code."""
    words = args.split()
    role = Role.partner.value
    if words and words[-1].lower() in ROLE_WORDS:
        role = ROLE_WORDS[words.pop().lower()]
    elif len(words) > 1 and words[0].lower() in ROLE_WORDS:  # "/invite partner Rema": the role first
        role = ROLE_WORDS[words.pop(0).lower()]
    partnership = await coordinator_partnership(turn)
    if partnership is None:
        return
    org = None
    if words:
        try:
            org = await get_organisation(turn.session, partnership, " ".join(words))
        except UnknownOrganisation as unknown:
            turn.say(unknown.text(turn.lang), is_error=True)
            return
    elif role in (Role.partner.value, Role.resident.value):
        orgs = await list_organisations(turn.session, partnership)
        org = next((o for o in orgs if o.kind == "residents"), None)
        if org is None and role == Role.partner.value and not args.strip():  # which organisation? never guess
            known = ", ".join(o.name for o in orgs) or "—"
            turn.say(turn.t("invite.which_org", partnership=partnership.name, known=known), is_error=True)
            return
        role = Role.resident.value  # without an organisation, people join as residents
    created = await create_invite(turn.session, partnership, organisation=org, role=role,
                                  max_uses=1 if role == Role.coordinator.value else None)  # not to be forwarded
    shown_org = f", {org.name}" if org else ""
    turn.say(turn.t("invite.created", partnership=partnership.name, role=turn.t(f"role.{created.role}"), organisation=shown_org,
                    code=created.code))
    if turn.event.deep_link:
        link = turn.event.deep_link.format(code=created.code)
        turn.say(turn.t("invite.link", link=link), image=qr_png(link), image_name=f"invite-{created.code}.png",
                 image_alt=link)


async def add(turn: Turn, args: str) -> None:
    """``/add @person [@person …] organisation``: make people partners for an organisation (Slack)."""
    partnership = await coordinator_partnership(turn)  # refused first, like every coordinator command
    if partnership is None:
        return
    users = MENTION.findall(args)
    org_name = MENTION.sub("", args).strip()
    if not users or not org_name:
        turn.say(turn.t("add.usage"), is_error=True)
        return
    try:
        org = await get_organisation(turn.session, partnership, org_name)
    except UnknownOrganisation as unknown:
        turn.say(unknown.text(turn.lang), is_error=True)
        return
    for user_id in users:
        identity, person = await resolve_identity(turn.session, turn.event.platform, turn.event.workspace, user_id)
        query = select(Membership).where(
            Membership.person_id == person.id, Membership.partnership_id == partnership.id
        )
        if (await turn.session.exec(query)).first() is None:
            turn.session.add(Membership(person_id=person.id, partnership_id=partnership.id,  # type: ignore[arg-type]
                                        organisation_id=org.id, role=Role.partner.value))
        if identity.current_partnership_id is None:
            identity.current_partnership_id = partnership.id
            turn.session.add(identity)
    await turn.session.flush()
    for round_ in await open_rounds(turn.session, partnership.id):  # type: ignore[arg-type]
        if await invite_members(turn.session, round_):
            turn.outbox_written = True
    turn.say(turn.t("add.done", n=len(users), partnership=partnership.name, organisation=org.name))


async def report(turn: Turn, args: str) -> None:
    """``/report``: the latest SAMSON round's PDF report, posted to the coordinators' channel (else privately)."""
    partnership = await coordinator_partnership(turn)
    if partnership is None:
        return
    if args:  # never silently the latest round when another was meant
        turn.say(turn.t("report.no_words", word=args, slug=partnership.slug), is_error=True)
        return
    if await publishing.latest(turn.session, partnership) is None:
        turn.say(turn.t("group.unpublished"), is_error=True)
        return
    targets = await bindings(turn.session, partnership.id, "coordinators")  # type: ignore[arg-type]
    stamp = turn.event.update_key or f"{turn.person.id}:{utcnow():%Y%m%d%H%M%S}"
    lang = partnership.lang
    for binding in targets:
        await turn.enqueue(f"report:{binding.id}:{stamp}", platform=binding.platform,
                                   workspace=binding.workspace, channel=binding.channel, kind="report",
                                   params={"partnership_id": partnership.id, "lang": lang},
                                   partnership_id=partnership.id)
    if targets:
        turn.say(turn.t("report.coming", n=len(targets)))
        return
    pdf, name = await reports.make_report(turn.session, partnership, turn.lang)
    turn.say(turn.t("pdf.caption", partnership=partnership.name), document=pdf, document_name=name)
