"""/results (my own profile, privately) and /group (the partnership's published profile, where it may be seen)."""

from __future__ import annotations

from bot import actions, publishing, summaries
from bot.events import Audience, Choice
from bot.flows import rounds as round_flow
from bot.flows import samson
from bot.turn import Turn
from core.instrument import instrument_named, load_instrument
from storage import publications
from storage.channels import binding_of
from storage.models import Partnership, Role, Round
from storage.people import membership_in
from storage.rounds import latest_response, open_rounds

COMPARE_WORDS = {"compare", "sammenlign", "jämför"}


async def mine(turn: Turn, args: str) -> None:
    """The person's latest SAMSON profile (the partners' or the residents' instrument), privately."""
    scorecards = ("samson", load_instrument("samson").for_residents or "samson")
    response = await latest_response(turn.session, turn.person.id, scorecards)  # type: ignore[arg-type]
    if response is None:
        survey = await latest_response(turn.session, turn.person.id, ("survey",))  # type: ignore[arg-type]
        if survey is not None and survey.completed_at:
            turn.say(turn.t("results.survey_only"))
        else:  # a coordinator with no organisation answers no round: "type /resume" would lead nowhere
            turn.say(turn.t("round.no_organisation" if await round_flow.facilitates(turn) else "results.none"))
        return
    round_ = await turn.session.get(Round, response.round_id)
    assert round_ is not None
    field_id = samson.field_by_number(turn, args, round_.instrument_id, round_.instrument_version) if args else None
    if args and field_id is None:
        return
    await samson.show_personal(turn, response, field_id)


async def where_group_results_go(turn: Turn) -> tuple[Partnership, Audience] | None:
    """Which partnership's result this person may see here, and for whom; says why not otherwise.

    A group result goes to a channel bound to its partnership (when the person is a
    member of it), or privately to a member; never into any other chat.
    """
    if not turn.event.private:
        binding = await binding_of(turn.session, turn.event.platform, turn.event.workspace, turn.event.channel)
        if binding is not None and await membership_in(turn.session, turn.person.id, binding.partnership_id):  # type: ignore[arg-type]
            partnership = await turn.session.get(Partnership, binding.partnership_id)
            assert partnership is not None
            return partnership, Audience.CHAT
    partnership = await turn.partnership()
    if partnership is None:
        turn.say(turn.t("not_member"))
        return None
    audience = turn.personal(rich=True)
    if audience is None:
        turn.say(turn.t("group.private_only", link=turn.private_link()), audience=Audience.CHAT)
        return None
    return partnership, audience


async def group(turn: Turn, args: str) -> None:
    """``/group [1–7]``: the latest published SAMSON group profile (or one field's drill-down);
    ``/group survey``: the partner survey's factors and barriers; ``/group compare [round]``: with an earlier round."""
    words = args.split()
    if words and words[0].lower() in COMPARE_WORDS:
        await _compare(turn, words[1] if len(words) > 1 else "")
        return
    named = instrument_named(args)
    if named == "checkin":
        await _checkin(turn)
        return
    instrument = named if named in ("survey", "residents") else "samson"
    if instrument != "samson":
        args = ""
    found = await where_group_results_go(turn)
    if found is None:
        return
    partnership, audience = found
    residents_newer = None
    if instrument == "survey":
        published = await publishing.standing(turn.session, partnership, instrument)
    elif instrument == "residents":
        published = await publishing.residents_alone(turn.session, partnership)
    else:
        membership = await membership_in(turn.session, turn.person.id, partnership.id)  # type: ignore[arg-type]
        resident = membership is not None and membership.role == Role.resident.value
        published = await publishing.latest_scorecard(turn.session, partnership, for_residents=resident)
        alone = None if resident else await publishing.residents_alone(turn.session, partnership)
        if alone is not None and published is not None and alone.round.id != published.round.id \
                and alone.publication.published_at > published.publication.published_at:
            residents_newer = alone.round.title
    pending = [r for r in await open_rounds(turn.session, partnership.id, instrument)  # type: ignore[arg-type]
               if published is None or r.opened_at > published.round.opened_at]
    if published is None:
        alone_open = any(r.parent_round_id is None for r in pending)
        key = "group.residents_none" if instrument == "residents" and not alone_open else "group.unpublished"
        turn.say(turn.t(key), audience=turn.personal(short=True))
        return
    field_id = None
    if args:
        field_id = samson.field_by_number(turn, args, published.round.instrument_id, published.round.instrument_version)
        if field_id is None:
            return
    agreed = (await actions.for_fields(turn.session, partnership, turn.lang, published.round.instrument_id)
              if instrument in ("samson", "residents") and not field_id else [])
    turn.replies.extend(await publishing.result_replies(partnership, published, turn.lang, field_id, audience, agreed))
    if pending:
        turn.say(turn.t("group.newer_open", title=pending[0].title), audience=audience)
    if residents_newer:
        turn.say(turn.t("group.residents_newer", title=residents_newer), audience=audience)


async def _checkin(turn: Turn) -> None:
    """``/group checkin``: the digest of the newest closed check-in (what its partners' channel got); partners'
    business, not shown to residents or in their channels."""
    found = await where_group_results_go(turn)
    if found is None:
        return
    partnership, audience = found
    membership = await membership_in(turn.session, turn.person.id, partnership.id)  # type: ignore[arg-type]
    binding = None if turn.event.private else await binding_of(
        turn.session, turn.event.platform, turn.event.workspace, turn.event.channel)
    if (membership is not None and membership.role == Role.resident.value) or (binding and binding.purpose == "residents"):
        turn.say(turn.t("group.checkin_partners"), audience=turn.personal(short=True))
        return
    digest = await summaries.latest_digest(turn.session, partnership, turn.lang)
    if not digest:
        turn.say(turn.t("group.no_checkin"), audience=turn.personal(short=True))
        return
    for reply in digest:
        turn.say(reply.text, audience=audience)


async def _compare(turn: Turn, chosen: str) -> None:
    """Without a round: buttons for the earlier published rounds; with one: the latest result over it."""
    found = await where_group_results_go(turn)
    if found is None:
        return
    partnership, audience = found
    published = await publishing.latest(turn.session, partnership)
    rounds = await publications.published_rounds(turn.session, partnership.id, "samson")  # type: ignore[arg-type]
    earlier = [r for r in rounds if published is not None and r.number < published.round.number
               and await publishing.shows_something(turn.session, r)]
    if published is None or not earlier:
        turn.say(turn.t("group.compare_none"), audience=turn.personal(short=True))
        return
    other = next((r for r in earlier if chosen.isdigit() and r.id == int(chosen)), None)
    if other is None:
        turn.say(turn.t("group.compare_pick", title=published.round.title),
                 tuple(Choice(f"/group compare {r.id}", r.title) for r in earlier[:8]), audience=audience)
        return
    compared = await publishing.compared_with(turn.session, published, other)
    turn.replies.extend(await publishing.result_replies(partnership, compared, turn.lang, audience=audience))
