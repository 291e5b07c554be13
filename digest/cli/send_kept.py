"""`digest send --to-dir`: the digests waiting for their retry by SMTP are left queued for it, and said.

A reader's digest waiting in the outbox for its retry by SMTP (whatever held it, said as
digest.deliver.held_said says it: a deferral, a server not reached or that stopped answering, our
settings or our mail refused) is that reader's email: `--to-dir` (to look at the digests as files) writes only
the ones it makes now and those never tried (the rest of an interrupted `send --to-dir`), and leaves
it to the daemon's pass or a `digest send` at its retry, by SMTP, once. Were it written, it would
count as delivered: the reader would never get it."""

from __future__ import annotations

from collections.abc import Sequence

from digest.cli.common import secho
from digest.daemon.status import queued_line
from digest.deliver.held_said import held_by
from digest.deliver.outbox import OutboxEntry


def say_kept(kept: Sequence[OutboxEntry]) -> None:
    """Each digest waiting for its retry by SMTP that `send --to-dir` left queued, with what held it
    (on stderr, as a reader's note)."""
    for m in kept:
        secho(
            f"not written ({held_by(m.last_error or '')}, it waits for its retry by SMTP: the daemon's pass "
            f"or `digest send` sends it then): {queued_line(m)}",
            fg="yellow",
            err=True,
        )
