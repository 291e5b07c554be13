"""`digest send --to-dir`: the readers' email is left queued for SMTP, and said.

A reader's digest waiting in the outbox for its retry by SMTP (whatever held it, said as
digest.deliver.held_said says it: a deferral, a server not reached or that stopped answering, our
settings or our mail refused) is that reader's email, and so is one made for email (by a `digest send`
by SMTP or the daemon) not tried yet (that send interrupted, Ctrl-C or a server gone): `--to-dir` (to look
at the digests as files) writes only the ones it makes now and those made for files and never tried (the
rest of an interrupted `send --to-dir`), and leaves the others to the daemon's pass or a `digest send`, by
SMTP, once. Were one written, it would count as delivered: the reader would never get it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from digest.cli.common import secho
from digest.daemon.status import queued_line
from digest.deliver.data_lost import once
from digest.deliver.held_said import ANSWER_LOST, held_by
from digest.deliver.outbox import OutboxEntry, server_deferred

# a digest made for email whose send stopped before trying it (Ctrl-C, a server gone): not a deferral
UNTRIED_EMAIL = "made for email by a send by SMTP and not tried yet"
# one queued before schema 37, never tried: who made it is not known; smtp.from set, it is left to SMTP
# (without it, a `send --to-dir` takes it as its own: claims.for_files_before_37)
UNTRIED_BEFORE_37 = (
    "queued before the upgrade to schema 37, which keeps whether a digest was made for email or files, and "
    "not tried yet: left as the reader's email, as smtp.from is set"
)
WHO = "the daemon's pass or `digest send`"
SENDS_IT = f"{WHO} sends it"
# a reader's row whose period's digest is one of those: what held it and who sends it are said below it
NOT_WRITTEN_BELOW = "not written (why, and who sends it: below)"


def say_kept(kept: Sequence[OutboxEntry], files: Path | None = None) -> None:
    """Each reader's email that `send --to-dir` left queued, with what held it, or that it was not tried
    yet (on stderr, as a reader's note); ``files``: delivery.dir, where the configured transport (file)
    writes it."""
    then = (
        f"{SENDS_IT} by SMTP" if files is None else f"{WHO} writes it into {files} (delivery.transport: file)"
    )
    for m in kept:
        if server_deferred(m) and files is not None:  # tried by SMTP before the config said files
            why = f"{held_by(m.last_error or '')}, it waits for its retry: {then} then"
        elif server_deferred(m):
            why = f"{held_by(m.last_error or '')}, it waits for its retry by SMTP: {SENDS_IT} then"
        else:
            why = f"{UNTRIED_EMAIL if m.for_files is not None else UNTRIED_BEFORE_37}: {then}"
        # an answer lost's "it may have it" said once, in why (not by NOT_ACCEPTED's: its reply says it)
        if server_deferred(m) and held_by(m.last_error or "") == ANSWER_LOST:
            m = replace(m, last_error=once(m.last_error or ""))
        secho(f"not written ({why}): {queued_line(m)}", fg="yellow", err=True)
