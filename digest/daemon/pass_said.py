"""What a daemon pass did, said: the dumps it put aside or left in its log (Daemon's), and its
lines for `digest run --once` (Daemon.describe)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from digest.daemon.failures import TickFailures
from digest.daemon.first import MOVED, STUCK
from digest.daemon.tick_report import TickReport, missed_said
from digest.deliver.held_said import held_for, reply_said, retry_said
from digest.files import counted
from digest.ingest import told
from digest.ingest.fetch import FAILED
from digest.profiles.load import skipped_line


def say_faults(
    log: logging.Logger,
    report: TickReport,
    say_failures: bool = True,
    failures: TickFailures | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The dumps a pass put aside or left in its log (``log``: its own). A dump that could not be
    moved out of the inbox is read again, and refused again, at every poll: with the daemon's
    ``failures``, it is said as a step's trouble (once, then hourly while it lasts), and the pass
    that leaves none in the inbox says none is stuck any more (digest.daemon.first.read_inbox)."""
    ingested = report.ingested
    stuck = [f for f in ingested.failures if f.kept is None] if failures is not None else []
    for f in ingested.failures if say_failures else ():  # put aside in failed/ with why
        if f not in stuck:
            log.warning("%s", told.rejected(f))
    for f in stuck if failures is not None and now is not None and say_failures else ():
        failures.step_trouble(STUCK, told.rejected(f), now, line="{}", over=MOVED)  # and its move's problem
    for w in report.waiting if say_failures else ():  # as `digest ingest` says it; `run --once`
        log.info("dump %s", w.said())  # says in its line that it leaves it (describe)


def say_missed(log: logging.Logger, report: TickReport) -> None:
    """The send times a daemon's pass found missed past the grace, in its log (``log``: its own),
    so that the log tells why a reader got nothing today; each once, whichever process or restart
    (the pass reports only those no pass said before: digest.store_missed). One line a pass, as
    `run --once` says them (after a restart over a send time, every reader's was missed: not a
    line each)."""
    if report.missed:
        log.warning("%s", missed_said(report.missed, report.grace))


def describe(
    report: TickReport, bug: str = "", stopped: bool = False, faults: bool = True, folder: Path | None = None
) -> str:
    """The pass in lines, for `digest run --once`; ``bug``: what a line of a dump reader's bug
    adds (in parentheses); ``stopped`` (SIGTERM, Ctrl-C): none for what it did not get to, not
    "nothing to do" (a reader due, a dump waiting: left to the next pass, which says them);
    not ``faults``: the fetches that failed, the dumps rejected or still written and the inbox's
    problems left out (the command says them on stderr), and not "nothing to do" for them. The send
    times it found missed past the grace: a line of their own, or in "nothing to do"'s. ``folder``: the
    profiles folder, whose own problem (not there) is said as an error, not as a profile skipped."""
    lines = [skipped_line(folder, p) if folder else f"profile skipped: {p}" for p in report.profile_problems]
    wrong = [f.line(bug) for f in report.fetched if f.outcome == FAILED and not faults]
    lines += [f.line(bug) for f in report.fetched if f.outcome != FAILED or faults]
    ingested = report.ingested  # as `digest ingest` and `digest send` say them (digest.ingest.told)
    lines += [told.taken_in(r) for r in ingested.results]
    alone = len(ingested.results) + len(ingested.failures) == 1
    wrong += [told.rejected(f, bug, alone=alone) for f in ingested.failures]
    wrong += [told.problem(p) for p in ingested.problems]
    wrong += [told.still_written(w, "a later run reads it") for w in report.waiting]
    lines += wrong if faults else []
    for s in report.scheduled:
        what = f"{counted(s.papers, 'paper')} queued" if s.message_id else (s.error or "nothing new yet")
        lines.append(f"digest for {s.user} ({s.period}): {what}")
    for o in report.delivered:
        if o.ok:
            lines.append(f"sent to {o.user} <{o.email}>: {counted(o.papers, 'paper')}")
        elif o.retry_at:
            lines.append(
                f"{held_for(o.reply, o.user)}: {reply_said(o.reply)} (retry at {retry_said(o.retry_at)})"
            )
        elif o.held:  # no longer wanted: not a failure of the pass
            lines.append(f"not sent to {o.user}: {o.reply.removeprefix('not tried: ')}")
        else:
            lines.append(f"FAILED {o.user}: {o.reply}")
    if report.missed and (lines or stopped or wrong):  # else said in "nothing to do"'s line
        lines.append(missed_said(report.missed, report.grace))
    return "\n".join(lines) or ("" if stopped or wrong else report.idle())
