"""`digest send`: the daily digest, now (`digest run`, on schedule: digest.cli.run_daemon)."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

import click

from digest.cli import papers
from digest.cli.common import (
    Context,
    HomePath,
    debugging,
    echo,
    handle_errors,
    now_utc,
    progress_for,
    say_no_readers,
    secho,
    stop_on_signal,
)
from digest.cli.send_stopped import interrupted
from digest.files import counted
from digest.stop import NOT_SENDING

FETCH_FAILED_EXIT = 3  # `digest run --once`: all done but a source's fetch failed (README, Sources)
# a reader's digest made before this `send --force`, waiting for its retry, tried again beside the new one
EARLIER = "earlier digest"
# a reader's row of nothing new, below a row of an earlier digest of theirs (which holds its papers)
BESIDES = f" besides the {EARLIER} above"
# a row's count of papers where the send tries no digest (paused, suppressed, already sent): blank, the
# reason in the column of the counted rows' status
NO_COUNT = " " * 10

log = logging.getLogger("digest")


@click.command()
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="USER",
    help="Only this reader (repeatable). Default: every reader.",
)
@click.option("--dry-run", is_flag=True, help="Build and list the digests; send and mark nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Send a new digest of what is new since the previous one (with a failed digest's papers it "
    "carries), even if this period has one.",
)
@click.option(
    "--to-dir",
    type=HomePath(file_okay=False, path_type=Path),
    metavar="DIR",  # as the help's "DIR/<message id>.eml" and README's `send --to-dir DIR` say it
    help="Write each message as DIR/<message id>.eml instead of sending it by SMTP. With --dry-run the "
    "files are written and nothing is recorded; without it, writing the file counts as delivery. A "
    "reader's email is left queued, not written (each one said): a digest waiting for its retry by SMTP "
    "(deferred by the mail server, not taken with our smtp settings, refused as our mail (not the "
    "address) or not offered after such a refusal, not sent as the mail server stopped answering or "
    "could not be reached, or as our smtp settings cannot be used, or as an error in digest itself "
    "stopped it; or its answer lost after its data, or neither an acceptance nor a refusal "
    '("221 bye"): the mail '
    "server may have it), and one made for email by a `digest send` or the daemon stopped before it "
    "tried it.",
)
@click.pass_obj
@handle_errors
def send(obj: Context, users: tuple[str, ...], dry_run: bool, force: bool, to_dir: Path | None) -> None:
    """Send every reader's digest for today (their current period) now, and deliver what waits.

    Just after midnight, a send time of the evening before that the daemon missed (within its
    grace) is the period sent: the digest owed then; the new day's comes at its own send time (a
    `send` again before then, or after a late digest of the daemon's that day, says so).

    The digest holds the papers listed since the reader's previous digest (a new reader: the
    latest listing; with those of a digest of theirs that failed after that one was made),
    exactly what `digest preview` shows (the sources due are fetched first and the dumps waiting
    in the inbox taken in, as the daemon does, one copied in a moment ago waited for as by
    `digest ingest`; --dry-run fetches and takes nothing in, and says which). It counts as the
    period's digest: the daemon sends no second one, and a second `send` the same day queues nothing new,
    retries what waits and says what happened ("already sent today at 07:02"); --force sends
    a new digest of whatever is new since the previous one.

    A paper counts as sent only once the server accepted the message. Passing failures
    (4xx, a server that is down) are retried, never queued again. A 5xx refusal is final;
    a 5xx refusal of the address also stops all mail to it (see `digest suppressed`).
    Ctrl-C stops after the message the server has (recorded); `digest send` again sends the rest.
    It exits 1 when a reader got nothing (their profile, their message, the server) or, the
    digests sent, a dump it took in was unreadable (kept in inbox/failed/) or the inbox could
    not be used, as `digest ingest` exits; 3 when a source it fetched failed, as `run --once`.
    A reader's digest refused for good by an earlier send (said "already attempted today at
    ...: 554 ...; not tried again") leaves it 0: this send tried nothing, the one that met the
    refusal exited 1, and `digest status` lists it under "Messages that failed for good".
    --dry-run exits 1 where the send would refuse before queueing anything (an unset
    smtp.password_env or web.secret_env variable, no smtp.from) or skip a profile.

    \b
    Example:
      digest send --dry-run
      digest send --user ada
      # a second digest today, of what is new since the first:
      digest send --user ada --force
      # look at the .eml files, record nothing:
      digest send --dry-run --to-dir preview-mail
    """
    from dataclasses import replace

    from digest.cli.common import say_inbox_faults
    from digest.cli.fetch import say_retry
    from digest.cli.renamed_user import given, load_named, typed_send
    from digest.cli.said_once import SEND_ROWS, not_logged_twice
    from digest.cli.send_fetched import say_failed_before, say_fetched
    from digest.cli.send_kept import (  # it reads status's words: loaded by `send` only
        NOT_WRITTEN_BELOW,
        say_kept,
    )
    from digest.compose.outgoing import prepare
    from digest.compose.preview import due_to_fetch, waiting_in_inbox
    from digest.compose.render import Renderer
    from digest.daemon.already import left_said, paused_note, queued_on, waiting_said
    from digest.daemon.clocks import server_time
    from digest.daemon.fetching import due_now, failed_for
    from digest.daemon.lease_holders import held_by_others, held_note
    from digest.daemon.lock import RunLock
    from digest.daemon.renamed import pending
    from digest.daemon.sendnow import ALREADY, NEW, NOTHING, PAUSED, plan_send, send_now
    from digest.deliver.claims import before_37_for_files
    from digest.deliver.file_transport import FileSender
    from digest.deliver.held_said import reply_said, retry_said, waits_until
    from digest.deliver.outbox import Outbox, for_email
    from digest.deliver.replies import NOT_TRIED, TRIED_LATER
    from digest.deliver.retention import prune
    from digest.deliver.senders import check_transport, sender_factory
    from digest.deliver.transports import Envelope
    from digest.errors import ConfigError, DeliveryError
    from digest.ingest import told
    from digest.ingest.fetch import FAILED as FETCH_FAILED
    from digest.ingest.fetch_records import sources_fetches
    from digest.ingest.inbox import InboxError, wait_settled
    from digest.local_day import day_at
    from digest.profiles.load import load_profiles_lenient, of_the_folder, skipped_line
    from digest.select.embedding_lock import stopping
    from digest.signing import secret_unnamed
    from digest.store import QUEUED, Store
    from digest.worker_ids import worker_id

    config = obj.config
    refusal: ConfigError | None = None
    try:
        if to_dir is None:
            check_transport(config)  # an unset password variable: said before anything is queued
        elif config.base_url:
            config.web.secret()  # the files' links are signed too: a secret gone is said before queueing
    except ConfigError as e:
        if not dry_run:
            raise
        refusal = e  # the check before a send: said after the digests it lists
    if note := secret_unnamed(config):  # once per send, before its rows, as `digest serve` says it
        secho(f"note: {note}", err=True)
    problems: list[str] = []
    if users:
        options = given(("--dry-run", dry_run), ("--force", force), ("--to-dir", to_dir))  # said again
        profiles = [load_named(config, u, now_utc(), typed_send(users, u, *options)) for u in users]
    else:  # a broken profile file is that reader's problem: everybody else is served
        profiles, problems = load_profiles_lenient(config)
        for problem in problems:
            secho(skipped_line(config.profiles, problem), fg="red", err=True)
        if not profiles and not problems:
            say_no_readers(config)
    now = now_utc()
    # a dry run records nothing: it needs no lock, and runs beside the daemon
    lock = contextlib.nullcontext() if dry_run else RunLock(config.database).acquire("digest send")
    with lock, Store(config.database) as store:
        if dry_run:
            continued = pending(config, store, profiles, now)  # carried over by the send itself
            for item in continued:
                echo(f"{item.describe()} (by the send)")
            # planned under the old name: what the send does once it carried the reader over
            old, new = {c.new: c.old for c in continued}, {c.old: c.new for c in continued}
            as_sent = [replace(p, user=old.get(p.user, p.user)) for p in profiles]
            renderer = Renderer.for_config(config) if to_dir else None
            making = []  # the digests `send` would make: a source that failed a moment ago, they go without
            plans = plan_send(config, store, as_sent, now, force=force, untried=to_dir is not None)
            # `--to-dir`: the readers' email, not written, the period's digest or an earlier one (report.kept)
            taken = {plan.profile.user for plan in plans if plan.action in (NEW, ALREADY, NOTHING)}
            as_taken = (lambda m: m) if config.smtp_given else before_37_for_files  # as plan_send reads them
            queued = [m for m in Outbox(store).entries(QUEUED) if m.user in taken]
            left = [m for m in queued if for_email(as_taken(m))] if to_dir is not None else []
            # by SMTP: an earlier digest of theirs waiting, which the send retries now, in a row of its own;
            # one another process holds (PostgreSQL) is left to it, and said so, as `send` says it
            periods = {plan.period_digest for plan in plans}
            others = [m for m in queued if m.message_id not in periods] if to_dir is None else []
            held = {
                h.id: h for h in held_by_others(store, sorted(taken), worker_id(), server_time(store, now))
            }
            for m in (m for m in others if m.id in held):
                log.warning("%s", held_note(held[m.id], now))
            earlier = [m for m in others if m.id not in held]
            papers_in = Outbox(store).paper_counts([m.id for m in earlier])
            shown = {plan.profile.user: plan.profile for plan in plans}
            # the earlier digests: all listed first, oldest first, as `send` retries and lists them
            above: list[str] = []
            for m in sorted((m for m in earlier if m.user in shown), key=lambda m: m.id):
                zone, user = shown[m.user].timezone, new.get(m.user, m.user)  # the name the send says
                waits = f"{EARLIER}: queued {day_at(zone, m.created_at, now)}; {waiting_said(m)}"
                above.append(f"{user:<16} {m.recipient:<32} {counted(papers_in[m.id], 'paper'):>10}  {waits}")
            if above:
                echo("\n".join(above))
            for plan in plans:
                making += [plan.profile] if plan.action in (NEW, NOTHING) else []
                p = replace(plan.profile, user=new.get(plan.profile.user, plan.profile.user))
                theirs = [m for m in earlier if m.user == plan.profile.user]
                # a count of the digest the send makes or tries; none where it tries none (paused, suppressed,
                # already sent), as `send`'s row says it
                tries = plan.action in (NEW, NOTHING) or plan.waiting
                line = f"{p.user:<16} {p.email:<32}" + (
                    f" {counted(plan.papers, 'paper'):>10} " if tries else f" {NO_COUNT} "
                )
                if plan.action == NOTHING:
                    line += f" nothing new{BESIDES if theirs else ''}"  # as `send` says it
                elif plan.left is not None:  # as `send --to-dir` says it: why, and who sends it, below
                    line += f" {queued_on(p, plan.left, now)}; {NOT_WRITTEN_BELOW}"
                elif plan.action == PAUSED:  # by the name the command takes (a renamed reader's new one)
                    line += f" {paused_note(p.user)}"
                elif plan.action != NEW:
                    line += f" {plan.note}"
                elif to_dir and renderer and plan.digest is not None:
                    # the secret the links are signed with unset: files all the same (their links
                    # unsigned, as `preview`'s), the refusal said after the list
                    out = prepare(config, plan.digest, renderer, now, unsigned=refusal is not None)
                    env = Envelope(out.message_id, p.user, config.smtp.sender, p.email, out.data)
                    line += f" {FileSender(to_dir).send(env).reply}"
                echo(line.rstrip())
            say_kept(left, config.delivery.dir if config.delivery.transport == "file" else None)
            if waiting := waiting_in_inbox(config):  # `send` takes them in first; a dry run writes nothing
                secho(f"note: {waiting}", fg="yellow", err=True)
            last = sources_fetches(store, config.sources)  # each source's last fetch: read once, for both
            first = [s.name for s in due_now(config, store, as_sent, now, last)]  # fetched first by `send`
            if due := due_to_fetch(first):
                secho(f"note: {due}", fg="yellow", err=True)  # and fetches them first
            say_failed_before(failed_for(config, store, making, now, first, last), now)  # as `send` says them
            echo("Dry run: nothing was sent.")
            if refusal is not None:
                secho(
                    f"error: `digest send` would refuse, before queueing anything: {refusal}",
                    fg="red",
                    err=True,
                )
            # as `send` would: a pre-flight check that names the broken profiles fails (a folder not
            # there is no profile skipped: its error is said above)
            if skipped := [p for p in problems if not of_the_folder(config.profiles, p)]:
                secho(f"{counted(len(skipped), 'profile')} skipped: see above", fg="red", err=True)
            if problems or refusal is not None:
                sys.exit(1)
            return
        # a dump copied in a moment ago: waited for, as `digest ingest` does, so the digests hold it
        with contextlib.suppress(InboxError, OSError):  # an inbox that cannot be used: said by the send
            settle = config.scheduler.settle
            wait_settled(config.inbox, settle, papers.WAIT_AT_MOST, now_utc, waiting_for=papers.say_waiting)
        now = now_utc()
        sender = sender_factory(config, to_dir)
        # the stop ends a wait for another process's embeddings too (before any digest is made):
        # send_now returns what it did before it, with the stop's words (report.given_up, said below)
        verbose = logging.getLogger().getEffectiveLevel() <= logging.INFO  # -v: the log asked for
        # a deferral or failure: said in its reader's row below, not logged too
        with stop_on_signal(NOT_SENDING) as stop, stopping(stop), not_logged_twice(verbose, {}, SEND_ROWS):
            report = send_now(
                config,
                store,
                profiles,
                sender,
                now,
                force=force,
                progress=progress_for(obj),
                stop=stop,
                everyone=not users,
                retrying=None if obj.quiet else say_retry,  # a source that stalls: each try said
                say_bugs=debugging(),  # a reader's bug said in its line, as `ingest` and `fetch` do
                untried=to_dir is not None,  # a message a server deferred: left to it (said below)
            )
        if not stop.is_set():
            prune(store, now, config.delivery.keep_days)
        making = [p.profile for p in report.planned if p.action in (NEW, NOTHING)]  # digests made now
        # a source that failed a moment ago, not due again yet: these digests go without it too
        failed = failed_for(config, store, making, now, {o.source for o in report.fetched})

    say_fetched(report.fetched, now)  # the sources due: fetched first, as the daemon's pass does
    say_failed_before(failed, now)  # said, not counted: the command that met it said it and exited so
    ingested = report.ingested  # the dumps waiting in the inbox: in the digests, as the daemon's
    for r in ingested.results:
        echo(told.taken_in(r))
    then = "not in these digests; the daemon's next pass (or `digest ingest`) takes it in for the next"
    say_inbox_faults(ingested, report.still_written, then)  # one still changing after the wait: left out
    for item in report.continued:
        echo(item.describe())
    for item in report.waiting:  # a message of the old name being sent: nothing for the new one yet
        echo(f"{item.new}: nothing sent; continues {item.old} from the next send or daemon pass")
    outcomes = report.delivered
    to_files = to_dir is not None or config.delivery.transport == "file"
    lines: list[str] = []  # one line per reader, written at once (click.echo flushes after each call)
    # `send --force` for a reader whose earlier digest waited, or one whose period's digest went before
    # (or meanwhile): that one is retried too, in a row of its own, and the period's said in its own
    made = {p.profile.user for p in report.planned if p.action in (NEW, NOTHING, ALREADY)}  # and meanwhile's
    periods = {p.period_digest for p in report.planned} | set(report.queued)  # the period's own: no "earlier"
    earlier_ids = {o.message_id for o in outcomes if o.user in made and o.message_id not in periods}
    earlier = {o.user for o in outcomes if o.message_id in earlier_ids}
    own = {o.message_id for o in outcomes} & periods  # the period's digest retried: its own row says it
    beside = {
        p.profile.user for p in report.planned if p.profile.user in earlier and p.period_digest not in own
    }
    for o in outcomes:
        if o.ok:
            status = o.reply if to_files else "sent"  # "written to out/<id>.eml"
        elif o.retry_at:
            status = f"{waits_until(o.reply, retry_said(o.retry_at))}: {reply_said(o.reply)}"
        else:
            status = f"FAILED: {o.reply}"
        status = f"{EARLIER}: {status}" if o.message_id in earlier_ids else status
        lines.append(f"{o.user:<16} {o.email:<32} {counted(o.papers, 'paper'):>10}  {status}")
    zones = {p.profile.user: p.profile.timezone for p in report.planned}
    for m, n in report.untouched:  # as another process left it (deferred again meanwhile), as a dry run says
        waits = f"{EARLIER}: queued {day_at(zones[m.user], m.created_at, now)}; {left_said(m, now)}"
        lines.append(f"{m.user:<16} {m.recipient:<32} {counted(n, 'paper'):>10}  {waits}")
        earlier.add(m.user)
    for d in report.dropped:  # planned for a reader whose name went to another before it was stored
        lines.append(f"{d.user:<16} {d.recipient:<32} {counted(d.papers, 'paper'):>10}  {d.describe()}")
    tried = {o.user for o in outcomes}
    kept = {m.id for m in report.kept}  # `--to-dir`: the readers' email, left queued (said below)
    for plan in report.planned:
        p = plan.profile
        if plan.action == NOTHING:
            beyond = BESIDES if p.user in earlier else ""  # which holds its papers
            lines.append(f"{p.user:<16} {p.email:<32}   0 papers  nothing new{beyond}")
        elif plan.action != NEW and p.user not in tried and plan.left is not None and plan.left.id in kept:
            # the period's digest: why it is not written, and who sends it, said once, below
            lines.append(
                f"{p.user:<16} {p.email:<32} {NO_COUNT}  {queued_on(p, plan.left, now)}; {NOT_WRITTEN_BELOW}"
            )
        elif plan.action != NEW and (p.user not in tried or p.user in report.meanwhile or p.user in beside):
            lines.append(f"{p.user:<16} {p.email:<32} {NO_COUNT}  {plan.note}")
    if lines:
        echo("\n".join(lines))
    for user in report.left:  # `send --user`: another reader's mail, a removed one's: left, and said
        secho(
            f"{user}: a removed reader's digest waits in the outbox (their profile file is gone): "
            "not sent by this `send --user`: a `digest send` without --user holds it back at once, the "
            "daemon's pass when its retry is due (unless the file comes back first)",
            fg="yellow",
            err=True,
        )
    say_kept(report.kept, config.delivery.dir if config.delivery.transport == "file" else None)
    if report.given_up:  # stopped in the wait for another's embeddings, after what is said above
        secho(report.given_up, fg="yellow", err=True)
    if stop.is_set():  # what the server accepted is recorded; the rest waits or was not made
        interrupted(sum(o.ok for o in outcomes), stop, to_dir, to_files)
    if outcomes and all(o.unreachable for o in outcomes):
        first = min(o.retry_at for o in outcomes if o.retry_at) if any(o.retry_at for o in outcomes) else None
        when = f" from {retry_said(first)}" if first else ""
        why = outcomes[0].reply.removeprefix(NOT_TRIED).removesuffix(TRIED_LATER)  # when: said next
        raise DeliveryError(
            f"{why}; {counted(len(outcomes), 'digest')} {'waits' if len(outcomes) == 1 else 'wait'} in the "
            f"outbox and {'is' if len(outcomes) == 1 else 'are'} retried{when} by the next `digest send` or "
            "scheduler tick"
        )
    inbox = report.ingested  # a dump it took in unreadable, or the inbox not usable: 1, as `ingest` exits
    if problems or inbox.failures or inbox.problems or any(not o.ok for o in outcomes):
        sys.exit(1)
    if any(o.outcome == FETCH_FAILED for o in report.fetched):
        sys.exit(FETCH_FAILED_EXIT)  # the readers served from what is stored, as `run --once` exits
