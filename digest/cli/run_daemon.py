"""`digest run`: the daily digest on schedule, the daemon (`digest send`, now: digest.cli.daily)."""

from __future__ import annotations

import logging
import os
import sys

import click

from digest.cli.common import (
    BUG,
    Context,
    debugging,
    echo,
    handle_errors,
    now_utc,
    say_no_readers,
    secho,
    stop_on_signal,
)
from digest.cli.daily import FETCH_FAILED_EXIT
from digest.db import wall_clock
from digest.errors import StoreError
from digest.stop import NOT_SENDING

# what `run --once` says when a signal stopped its pass
PASS_STOPPED = "stopped before the end of the pass: the next pass does the rest (nothing is lost)"
# `run --once`, its database not opened again (or the connection lost) to note the missed send times said
MISSED_UNNOTED = "the send times said missed above were not noted as said: the next pass says them again"


@click.command()
@click.option("--once", is_flag=True, help="Do one pass of the work and exit (for cron or timers).")
@click.pass_obj
@handle_errors
def run(obj: Context, once: bool) -> None:
    """Run the daemon: pick up new dumps and send each reader's digest at their local time.

    Every scheduler.poll_seconds it fetches the `sources:` that are due (by default an hour
    before the readers' send times), ingests the settled dumps in the inbox, queues the digest
    of every reader whose send time has come, and delivers what is due. One daemon per
    database (a lock); on SIGTERM or Ctrl-C what the server accepted is recorded, a message
    still on its way is withdrawn (it stays queued for the next run), and it exits. `--once` exits
    1 if a reader got nothing (a profile or message that failed, a message the server did not
    take: deferred or refused), a dump it took in was unreadable (kept in inbox/failed/, as
    `digest ingest` exits), the inbox could not be used or the database failed as it noted the missed
    send times it said (not opened again, or the connection lost: the next pass says them again), 3
    if a source could not be fetched (the readers still served from what is stored), 143 if stopped by SIGTERM
    (130: Ctrl-C).

    \b
    Example:
      digest run
      digest run --once        # one pass
      # From cron, by its full path (cron's PATH has no venv), with the
      # variables the config names (cron's environment has none of yours)
      # from a file (mode 600) of lines `DIGEST_SMTP_PASSWORD=...`, here
      # /etc/digest/env (README's systemd unit's too); a crontab line goes on
      # no other line, so this one is whole:
      */5 * * * * set -a; . /etc/digest/env; /opt/digest/.venv/bin/digest --config /etc/digest/config.yaml run --once
    """  # noqa: E501 (the cron line whole, as it is pasted)
    from digest.cli.common import say_inbox_faults
    from digest.cli.fetch import say_retry
    from digest.cli.preload import preload
    from digest.cli.said_once import BOOKKEEPING, SAID_BY_RUN_ONCE, not_logged_twice
    from digest.cli.send_fetched import say_failed_before
    from digest.daemon.service import Daemon
    from digest.ingest.fetch import FAILED as FETCH_FAILED
    from digest.profiles.load import profile_names
    from digest.select.embedding_lock import EmbeddingsStopped, stopping

    preload("run")  # what a pass may import: this release's, whatever is installed later
    if not once:  # one pass (cron) says the paths as typed, as `ingest` and `send` do
        obj.anchor()  # its paths the same files, whatever becomes of the current folder

    verbose = logging.getLogger().getEffectiveLevel() <= logging.INFO  # -v
    if not obj.quiet:  # -q: only errors, the pass's events too
        logging.getLogger("digest").setLevel(logging.INFO)  # the daemon logs one line per event
    # config.yaml read again by the daemon when it changes, with this command line's --semantic
    daemon = Daemon(
        obj.config,
        clock=now_utc,
        reload=lambda: Context(str(obj.config.path), obj.semantic).config,
        say_bugs=not once or debugging(),  # --once: a reader's bug said in its line, as `ingest` does
        say_failures=not once,  # --once: a document it cannot read said in its line, as `fetch` does
        say_notes=not once,  # --once: run at every pass by a timer; `digest status` says them
        once=once,  # a profile file saved in place a moment before waited for (2 s at the most)
        wall=wall_clock,  # the leases' clock: this machine's, read as the daemon runs
        retrying=say_retry if once and not obj.quiet else None,  # as `digest send` says a try that failed
    )
    if once:
        # SIGTERM (systemd stopping a timer's run) or Ctrl-C: as the daemon, after the message in flight
        # the stop ends a wait for another process's embeddings too, as it ends the daemon's
        given_up = ""  # the words of a stop in the embeddings: said after what the pass did before
        with stop_on_signal(NOT_SENDING) as stop, stopping(stop):
            daemon.stop = stop
            try:
                with not_logged_twice(verbose, {**SAID_BY_RUN_ONCE, **BOOKKEEPING}):
                    report = daemon.run_once()
            except EmbeddingsStopped as e:  # nothing made or sent: the next pass does it
                given_up = str(e)
                if e.report is None:  # stopped before the pass fetched or took in anything
                    secho(given_up, fg="yellow", err=True)
                    echo(PASS_STOPPED)
                    sys.exit(128 + stop.signum)
                report = e.report  # what was fetched and taken in: said below, as after any stop
        unnoted = None
        try:  # the missed send times noted once said (echo flushes): a pass killed before says them next time
            with daemon.saying_missed(report) as report:
                folder = obj.config.profiles  # its own problem said as an error, not a profile skipped
                said = daemon.describe(report, BUG, stopped=stop.is_set(), faults=False, folder=folder)
                if said:
                    echo(said)
        except StoreError as e:  # not opened again, or the connection lost: said after the pass's other lines
            unnoted = e
        if not report.profile_problems and profile_names(obj.config) is None:  # none, as `send` says
            say_no_readers(obj.config)  # (a folder it cannot list: said as an error, above)
        for f in report.fetched:  # one that failed: on stderr, as `digest send` says it
            if f.outcome == FETCH_FAILED:
                secho(f.line(BUG), fg="yellow" if f.stopped else "red", err=True)
        say_failed_before(report.failed_before, now_utc())  # the pass that made digests without it: once
        say_inbox_faults(report.ingested, report.waiting, "a later run reads it")  # on stderr, as `ingest`
        if unnoted is not None:
            secho(f"error: {unnoted} ({MISSED_UNNOTED})", fg="red", err=True)
        if stop.is_set():
            if given_up:
                secho(given_up, fg="yellow", err=True)
            echo(PASS_STOPPED)
            sys.exit(128 + stop.signum)  # 143 after SIGTERM, 130 after Ctrl-C, as `send` exits
        if unnoted or report.failed_readers or report.ingested.problems or report.ingested.failures:
            sys.exit(1)  # the others served; not everybody was, the inbox is stuck, or a dump refused
        if report.failed_fetches:
            sys.exit(FETCH_FAILED_EXIT)  # the readers were served from what is stored; a source was not
    else:
        daemon.serve(  # said once the run lock is held: a second daemon says only why it cannot
            started=lambda: echo(f"digest daemon started (pid {os.getpid()}); Ctrl-C to stop", err=True)
        )
        echo("digest daemon stopped", err=True)
