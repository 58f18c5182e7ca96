"""``samson assist`` (a coordinator enters a resident's answers with them) and ``samson paper`` (the paper form)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli_support import LANGUAGE_LIST, LangOption, language_or_exit, run_in_session, run_or_explain, write_file
from core.i18n import LANGUAGE_NAMES
from storage.models import Identity, Organisation, Partnership, Person

ASSISTED = "assisted-"
"""The console user ids of assisted people start with this."""


def assist(
    partnership: Annotated[str, typer.Argument(help="Partnership slug or id.")],
    invite: Annotated[str, typer.Option(help="The resident's invite code (one per resident, or one with --uses).")],
    name: Annotated[str, typer.Option(
        help="How the resident is shown to coordinators (may be a first name). The same name again continues "
             "their answers.")],
    lang: Annotated[str | None, typer.Option(
        help=f"The resident's language: {LANGUAGE_LIST} (a code or name); default: asked after consent.")] = None,
) -> None:
    """Answer with a resident who has no phone or computer: a chat in this terminal, in their name, marked assisted.

    First the privacy terms are shown in the resident's language: read them aloud, and type a (or yes) for them
    once they agree, b (or no) if they do not. Then read each question aloud (or from the paper form) and type the
    answer. Ctrl-D or /exit pauses; running the command again with the same --name in the same partnership and
    organisation (the code's) continues where it stopped. The person is marked as assisted in the data; they count
    like anyone else in the results.
    """
    from bot.adapters.console import ConsoleAdapter
    from bot.config import Settings
    from bot.dispatch import BotCore
    from storage.db import Database

    language = language_or_exit(lang) if lang else None
    if not name.strip():
        typer.secho("Error: --name must not be empty", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    found = run_in_session(lambda s: _assisted_person(s, partnership, invite, name.strip(), language))
    typer.echo(found.intro())

    async def main() -> None:
        db = Database(Settings().database_url)
        adapter = ConsoleAdapter(BotCore(db), user=found.user, display_name=found.name, stdin=sys.stdin,
                                 stdout=sys.stdout, charts_dir=Path("charts"), locale_hint=language,
                                 echo=not sys.stdin.isatty())
        try:
            await adapter.run([found.first_line(language)])
        finally:
            await db.close()

    run_or_explain(main)


@dataclass(frozen=True)
class _Assisted:
    """The assisted person the chat runs as, and what to tell the coordinator first."""

    user: str
    name: str
    """As first written: ``--name amina`` continues Amina."""
    where: str
    continuing: bool
    consented: bool
    progress: tuple[int, int] | None
    """Answers given and questions asked in their unfinished response to an open round."""

    def intro(self) -> str:
        name = self.name
        if self.progress:
            head = f"Continuing {name}'s answers: {self.progress[0]} of {self.progress[1]} done ({self.where})."
        elif self.continuing:
            head = f"Continuing with {name} ({self.where}): no unfinished answers."
        else:
            head = f"Assisted answering for {name} ({self.where})."
        consent = "" if self.consented else (
            " First read the privacy terms aloud; type a (or yes) once they agree, b (or no) if they do not.")
        return (head + consent + " Read each question aloud (or from the paper form) and type the answer; Ctrl-D or "
                "/exit pauses, and the same command continues later.")

    def first_line(self, language: str | None) -> str:
        """``/lang`` shows the terms in that language and asks no language after consent; else ``/resume``."""
        return f"/lang {language}" if language and not self.consented else "/resume"


async def _assisted_person(s: AsyncSession, partnership_ref: str, code: str, name: str,
                           language: str | None) -> _Assisted:
    """The person ``name`` joined with ``code`` (the same person again if they joined before), marked assisted."""
    from storage.partnerships import find_invite, get_partnership, redeem_invite
    from storage.people import resolve_identity

    p = await get_partnership(s, partnership_ref)
    invite = await find_invite(s, p.id, code)  # type: ignore[arg-type]
    if invite is None:
        raise ValueError(f"no invite code '{code}' in {p.slug} (make one: samson invite create {p.slug} --org ORG "
                         f"--role resident)")
    if invite.role == "coordinator":
        raise ValueError(f"'{code}' is a coordinator's code; assist a resident with their own code")
    earlier = await _same_person(s, p, invite.organisation_id, name)
    if earlier is not None:
        identity, person = earlier
    else:
        identity, person = await resolve_identity(s, "console", "local", f"{ASSISTED}{uuid.uuid4().hex[:10]}",
                                                  display_name=name)
        if await redeem_invite(s, invite.code, person.id) is None:  # type: ignore[arg-type]
            raise ValueError(f"invite code '{code}' is used up or has expired; make another with samson invite create")
    person.assisted = True
    person.lang = language or person.lang
    identity.current_partnership_id = p.id
    s.add_all([person, identity])
    org = await s.get(Organisation, invite.organisation_id) if invite.organisation_id else None
    where = f"{p.name}, {org.name}" if org else p.name
    if language:
        where += f", in {LANGUAGE_NAMES[language]}"
    return _Assisted(identity.user_id, person.display_name, where, earlier is not None, person.consent_at is not None,
                     await _progress(s, person.id, p.id))  # type: ignore[arg-type]


async def _same_person(s: AsyncSession, p: Partnership, organisation_id: int | None,
                       name: str) -> tuple[Identity, Person] | None:
    """An assisted person of that name (any case) in the partnership and organisation; the furthest along if several."""
    from storage.people import assisted_named

    same = await assisted_named(s, ASSISTED, p.id, organisation_id, name)  # type: ignore[arg-type]
    if not same:
        return None
    answered = [((await _progress(s, person.id, p.id)) or (0, 0))[0] for _, person in same]  # type: ignore[arg-type]
    return same[answered.index(max(answered))]


async def _progress(s: AsyncSession, person_id: int, partnership_id: int) -> tuple[int, int] | None:
    """Answers given and questions asked in the person's newest unfinished response to an open round."""
    from core.instrument import load_instrument
    from storage.rounds import load_answers, unfinished_response

    found = await unfinished_response(s, person_id, partnership_id)
    if found is None:
        return None
    response, round_ = found
    items = {item.id for item in load_instrument(round_.instrument_id, round_.instrument_version).items}
    answers = await load_answers(s, response.id)  # type: ignore[arg-type]
    return sum(1 for item in answers if item in items), len(items)


def paper(
    partnership: Annotated[str, typer.Argument(help="Partnership slug or id.")],
    round_ref: Annotated[str | None, typer.Option(
        "--round", help="Round id; default: the newest open round residents answer, else the newest such round.")] = None,
    lang: LangOption = "nb",
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")] = Path("form.pdf"),
) -> None:
    """The residents' questions of a round as a paper form (PDF), with the item ids for typing the answers in later."""
    from bot.cli_rounds import residents_round
    from core.instrument import load_instrument
    from core.paper_form import render_paper_form
    from storage.partnerships import get_partnership
    from storage.rounds import companions, get_round

    language = language_or_exit(lang)

    async def work(s: AsyncSession) -> bytes:
        p = await get_partnership(s, partnership)
        round_ = await get_round(s, p, round_ref) if round_ref else await residents_round(s, p)
        found = await companions(s, round_)
        chosen = found[0] if found else round_  # the residents' own instrument when the round has one
        instrument = load_instrument(chosen.instrument_id, chosen.instrument_version)
        return await asyncio.to_thread(render_paper_form, instrument, language, p.name, round_.title)

    pdf = run_in_session(work)
    write_file(out, pdf)
    typer.echo(f"Paper form: {out} ({len(pdf) // 1024} KB)")
