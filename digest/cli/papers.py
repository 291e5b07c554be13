"""`digest ingest`, `rank` and `preview`: dumps in, and what a reader would get."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from digest.cli.common import (
    Context,
    HomePath,
    debugging,
    echo,
    handle_errors,
    now_utc,
    progress_for,
    say_inbox_faults,
    secho,
    write_output,
)
from digest.files import counted

if TYPE_CHECKING:
    from digest.models import Match

log = logging.getLogger("digest")


WAIT_AT_MOST = dt.timedelta(seconds=60)  # `digest ingest` waits this long at most for a dump still written


def say_waiting(w: Any) -> None:
    """What `ingest` says of a dump it waits for (inbox.Waiting.said)."""
    echo(f"{w.said()}...", err=True)


@click.command()
@click.argument("paths", nargs=-1, type=HomePath(path_type=Path))
@click.pass_obj
@handle_errors
def ingest(obj: Context, paths: tuple[Path, ...]) -> None:
    """Read listing dumps into the database (default: every dump in the inbox).

    A dump is stored whole or not at all; a dump seen before adds nothing. Dumps taken from
    the inbox move to inbox/processed/, unreadable ones to inbox/failed/ with the reason in
    NAME.error.txt beside them; dumps named on the command line stay where they are. A dump
    of the inbox that changed within the last settle_seconds is still being written: ingest
    waits for it (a minute at most), as the daemon does.

    \b
    Example:
      digest ingest
      digest ingest ~/Downloads/2026-03-14.txt
    """

    from digest.daemon.claims import singleton
    from digest.daemon.lock import AlreadyRunning, RunLock
    from digest.ingest import told
    from digest.ingest.dumps import ingest as run_ingest
    from digest.ingest.dumps import ingest_inbox, said_by_caller
    from digest.ingest.inbox import InboxError, problem, wait_settled
    from digest.store import Store

    config = obj.config
    if not paths and not config.inbox.is_dir():  # said with the config file that names it
        raise InboxError(str(problem(config.inbox, config.path)))
    waiting: list[Any] = []
    with Store(config.database) as store:
        if paths:
            report = run_ingest(
                store, list(paths), now_utc(), progress_for(obj), say_bugs=debugging(), zone=config.timezone
            )
        else:  # the inbox is the daemon's: not while it runs
            with RunLock(config.database).acquire("digest ingest"), singleton(store, "ingest") as mine:
                if not mine:  # PostgreSQL: a worker is ingesting right now
                    raise AlreadyRunning(
                        "a digest worker is ingesting the inbox right now; try again shortly"
                    )
                settle = config.scheduler.settle
                wait_settled(config.inbox, settle, WAIT_AT_MOST, now_utc, waiting_for=say_waiting)
                report, waiting = ingest_inbox(
                    store,
                    config.inbox,
                    now_utc(),
                    settle,
                    progress_for(obj),
                    say_bugs=debugging(),
                    zone=config.timezone,
                    say_problem=said_by_caller,  # below, with "error: "
                )
        totals = store.counts()
    if not report.results and not report.failures and not waiting:
        echo(f"No dumps in {config.inbox}.")
    for r in report.results:
        echo(told.taken_in(r))
    say_inbox_faults(report, waiting, "run `digest ingest` again", named=bool(paths))
    echo(
        f"The database holds {counted(totals['papers'], 'paper')} "
        f"from {counted(totals['listings'], 'listing')}."
    )
    if report.failures or report.problems:
        sys.exit(1)


@click.command()
@click.argument("user")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON array, best first (with --next, each row's in_next_digest: in the digest or not; "
    "false for all of a paused or suppressed reader's, whom `digest send` sends nothing).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    default=None,
    help="How many papers to show.  [default: 20; with --next, USER's max_papers: the next digest]",
)
@click.option(
    "--next",
    "next_only",
    is_flag=True,
    help="Only the papers the next digest is chosen from (new since the previous one, with a failed "
    "digest's papers it carries; not sent).",
)
@click.pass_obj
@handle_errors
def rank(obj: Context, user: str, as_json: bool, limit: int | None, next_only: bool) -> None:
    """Rank every stored paper for USER, with the keywords behind each score.

    With --next, only the next digest's window: the papers listed since USER's previous
    digest (a new reader: the latest listing), with those of a digest of theirs that failed
    after that one was made (README, Failures), that were not sent to them; the first
    max_papers of it scoring at least min_score are the next digest, and are what it shows
    (--limit shows more of the window, the digest's last marked).

    \b
    Example:
      digest rank ada --limit 5
      digest rank ada --next
      digest rank ada --json | jq '.[0]'
    """
    from dataclasses import replace

    from digest.cli.preview_notes import period_went, say_stopped, to_store_papers
    from digest.cli.renamed_user import given, load_named, typed
    from digest.daemon.renamed import with_history
    from digest.select.digests import rank_all, rank_next
    from digest.select.explain import why
    from digest.store import Store

    config = obj.config
    again = typed("rank", "{}", *given(("--json", as_json), ("--limit", limit), ("--next", next_only)))
    profile = load_named(config, user, now_utc(), again)  # a renamed file's: its new name said
    # the archive's keyword ranking only reads (it works on a read-only disk); --next keeps
    # the collection's counts up to date and semantic matching keeps embeddings: they write
    first = stopped = False  # --next for a reader who never had a digest; one sent nothing
    with Store(config.database, readonly=not next_only and config.semantic is None) as store:
        if next_only:  # a renamed file not carried over yet: from the old name's history, as sent
            profile, name = with_history(config, store, profile, now := now_utc(), its_file=True)
            history = replace(profile, user=name)
            matches = rank_next(store, history, now, limit or profile.max_papers, config)
            stopped = say_stopped(store, profile, user, name)  # paused, suppressed: as `digest preview` says
            shown = "these are the papers of the next one"  # its period's went: `send` sends none now
            # (none: "Nothing for ada's next digest yet" says it)
            went = matches and not stopped and period_went(config, store, profile, now, name, shown=shown)
            if went:
                secho(f"note: {went}", fg="yellow", err=True)
            # a new reader: the latest listing (a first digest held or refused: after it, as their next)
            first = store.previous_digest_through(history.user) is None
        else:
            matches = rank_all(store, profile, limit or 20, config)
        stored = bool(matches) or store.paper_count() > 0
    if as_json:
        rows = [
            {
                "id": m.paper.id,
                "title": m.paper.title,
                "score": m.score,
                "matches": list(m.keywords),
                **_groups(m),
                "first_seen": m.paper.first_seen.isoformat(),
                "hits": [  # flat, keyword after keyword
                    {"keyword": h.keyword, "field": h.field, "start": h.start, "end": h.end}
                    for h in m.all_hits
                ],
                # --next: whether the next digest holds it (its first max_papers), as the text's line
                # says; none for a reader `send` sends nothing (paused, suppressed: said on stderr)
                **({"in_next_digest": i < profile.max_papers and not stopped} if next_only else {}),
            }
            for i, m in enumerate(matches)
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not matches:
        if not stored:
            echo(f"No papers stored yet: {to_store_papers(config)}.")  # as `digest preview` says it
        elif next_only and first:  # a new reader's first digest is the latest listing
            echo(f"Nothing for {user}'s first digest yet: no paper of the latest listing matches.")
        elif next_only:  # the window is what came since the reader's last digest
            echo(f"Nothing for {user}'s next digest yet: no paper since the last one matches.")
        else:
            echo(f"No stored paper matches {user}'s interests.")
        return
    for i, m in enumerate(matches, 1):
        click.echo(f"{i:>3}. {m.score:7.3f}  {m.paper.title}")
        click.echo(f"              {why(m.paper, m.all_hits, m.keywords).text}")
        if next_only and i == profile.max_papers < len(matches):  # --limit asked for more than it holds
            echo(
                f"     ({user}'s next digest holds the {i} above (max_papers: {i}); "
                "below, the rest of its window)"
            )


def _groups(match: Match) -> dict[str, object]:
    """The keywords of a match by how they were found, as the email tells them (--json)."""
    from digest.select.explain import why

    w = why(match.paper, match.all_hits, match.keywords)
    groups = {"matched": w.matched, "partly": w.partly, "close_to": w.similar}
    return {**{k: list(v) for k, v in groups.items()}, "liked": w.liked}


class DayType(click.ParamType):
    """A calendar day written YYYY-MM-DD; a mistake is told as one ("2026-02-30 is not a day
    of the calendar"), not as a strptime format."""

    name = "DAY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.datetime.strptime(value.strip(), "%Y-%m-%d").date()
        except ValueError:
            if re.fullmatch(r"\d{1,4}-\d{1,2}-\d{1,2}", value.strip()):  # the shape, but no such day
                self.fail(f"{value!r} is not a day of the calendar", param, ctx)
            self.fail(f"{value!r} is not a day: write it YYYY-MM-DD, e.g. 2026-03-14", param, ctx)


@click.command()
@click.argument("user")
@click.option(
    "--out",
    type=HomePath(dir_okay=False, path_type=Path),
    help="Where to write the HTML (default: preview-USER.html, unless --text or --open alone).",
)
@click.option("--open", "open_it", is_flag=True, help="Open the HTML in the default browser.")
@click.option("--text", "as_text", is_flag=True, help="Print the plain-text part to the terminal.")
@click.option(
    "--date",
    "day",
    type=DayType(),
    help="The digest of DAY (YYYY-MM-DD) instead: a past day's as it would have been.",
)
@click.option(
    "--unsigned-links",
    "allow_unsigned",
    is_flag=True,
    help="Where the links' secret cannot be had here (its variable not set, its file not readable), "
    "make the preview anyway, its links not signed (they open nothing).",
)
@click.pass_obj
@handle_errors
def preview(
    obj: Context,
    user: str,
    out: Path | None,
    open_it: bool,
    as_text: bool,
    day: dt.date | None,
    allow_unsigned: bool,
) -> None:
    """Show the digest USER would get now, without sending or marking anything.

    Same papers, templates and CSS inlining as `digest send`. With --date, the digest of
    that day (the reader's local date): chosen from the papers listed on or before it, after
    the reader's digests made before it and without their papers, as `digest send` would
    have chosen it then (a day that had a digest: from the papers stored when it was made,
    whatever their listings' dates; today before its digest, or a day to come: the next),
    ranked with today's profile, ratings and archive, which may order it otherwise than sent.

    \b
    Example:
      digest preview ada --out ada.html
      digest preview ada --text --date 2026-03-14
      digest preview ada --open
      digest preview ada --unsigned-links   # in a shell without the links' secret
    """
    from digest.cli.preview_notes import say_notes, secret_missing
    from digest.cli.renamed_user import found_named, given, typed
    from digest.compose.preview import open_in_browser, preview_store
    from digest.compose.preview import preview as build_preview

    config = obj.config
    unsigned = secret_missing(config, allow_unsigned)
    options = given(("--out", out), ("--open", open_it), ("--text", as_text), ("--date", day))
    again = typed("preview", "{}", *options, *given(("--unsigned-links", allow_unsigned)))
    found_named(config, user, now := now_utc(), again)  # a renamed file's: its new name said
    with preview_store(config.database) as store:  # one store, its notes read it too
        outgoing = build_preview(
            config,
            user,
            now,
            up_to=day,
            unsigned=unsigned is not None,
            store=store,
            continued=(of := []),
        )
        say_notes(config, store, outgoing, user, day, now, unsigned, of[0])
    if as_text:
        click.echo(outgoing.rendered.text, nl=False)
    if out is None and (open_it or not as_text):
        out = Path(tempfile.gettempdir()) / f"digest-preview-{user}.html" if open_it else None
        out = out or Path(f"preview-{user}.html")
    if out is not None:
        write_output(out, outgoing.rendered.html)
        unsigned_note = " (its links not signed)" if unsigned is not None else ""
        echo(f"{outgoing.rendered.subject}\nWrote {out}{unsigned_note}", err=as_text)
    if open_it and out is not None and not open_in_browser(out):
        echo(f"No browser found: open {out} yourself.", err=True)


def say_put_off(carried: Any, what: str, by: str = "under {new} it") -> None:
    """DigestError if the carry-over to the reader's name was put off (a message of the old name
    being sent): nothing is written under the new name until it is made. ``what``: what was not
    done; ``by``: what would write under the new name ({new}: that name)."""
    from digest.errors import DigestError

    for item in carried.waiting:
        raise DigestError(
            f"{item.new} continues {item.old} (the same address <{item.email}>; {item.old}'s profile file "
            f"is gone), but a message to {item.old} is being sent right now: the carry-over waits for it, "
            f"and {what} ({by.format(new=item.new)} would make a new reader and leave {item.old}'s "
            "history behind); run this again in a minute"
        )


def say_shared(shared: list[Any], what: str, by: str = "under {new} it", why: str | None = None) -> None:
    """DigestError if the reader's new profile would continue a renamed file's reader but another
    new profile has that address too: none continues it, and a record under this name alone would
    make the other one continue it at the next pass. ``why``: the words in brackets after ``what``
    ({new}, {old}, {names}), said instead of that."""
    from digest.errors import DigestError

    for item, others in shared:
        names = ", ".join(others)
        why = why or f"({by} would make {{new}} a new reader, and {{names}} then continue {{old}})"
        raise DigestError(
            f"{item.new} has the address <{item.email}> of {item.old}, whose profile file is gone, and so "
            f"does {names}: none of them continues {item.old} yet, and {what} "
            f"{why.format(new=item.new, old=item.old, names=names)}. Say which "
            f"continues {item.old} by renaming the others' files back or giving them other addresses"
        )
