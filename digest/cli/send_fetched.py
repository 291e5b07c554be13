"""What `digest send` says of the sources it fetched first (the ones due, as the daemon's pass
fetches them before any digest): each fetched, or not, and then when it is tried again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digest.cli.common import BUG, echo, secho
from digest.daemon.fetching import RETRY_FAILED
from digest.daemon.lease_holders import utc_at
from digest.ingest.fetch import FAILED as FETCH_FAILED
from digest.ingest.fetch import GONE, FetchOutcome
from digest.ingest.fetch_all import STORED_ANYWAY
from digest.ingest.fetch_records import FetchRecord
from digest.ingest.missed_days import GONE_FOR_GOOD, KEPT, NOT_AGAIN

WITHOUT = "{}: not fetched, so these digests go without it"  # a source due that failed


def say_fetched(fetched: Sequence[FetchOutcome], now: dt.datetime) -> None:
    """Each source `digest send` fetched first, said: on stdout, or why not on stderr, in red."""

    def bug(o: FetchOutcome) -> str:  # its traceback logged with DIGEST_DEBUG=1 only, as `digest fetch`'s
        return f" ({BUG})" if o.bug else ""

    own = {o.source: o for o in fetched}  # each source's own day's: after the days it missed
    for o in fetched:  # a source due: fetched first, as the daemon's pass does
        if o.stopped:  # Ctrl-C: no digest made after it, the fetch not recorded: due at once
            secho(
                f"{o.source}: not fetched: stopped before its answer; the next `digest send` or daemon's "
                "pass fetches it first",
                fg="yellow",
                err=True,
            )
        elif o.outcome == FETCH_FAILED:  # the digests go on without it, as a pass's do; why, below
            again = f"the daemon's pass tries it again in {RETRY_FAILED.total_seconds() / 60:.0f} minutes, "
            again = "" if GONE in o.detail else again  # a 410: at its times, as its detail says
            if o.retry_at is not None and o.retry_at > now + RETRY_FAILED:  # not asked before (is_due)
                again = (
                    "the server asks to wait (Retry-After): the daemon's pass tries it again "
                    f"{utc_at(o.retry_at, now)} if its readers still wait for it then, else at its next "
                    "fetch time; "
                )
            # a day it missed (digest.ingest.missed_days), its own day's fetch done, or not made (stopped):
            if own[o.source].outcome != FETCH_FAILED or own[o.source].stopped:
                # not in 15 min; a 410, or a day a week old: never, as its detail says (not_again)
                later = "the daemon asks for that day again at the source's next fetch, "
                again = "" if NOT_AGAIN in o.detail else later
            if o is not own[o.source] and again.endswith(", ") and o.behind:
                again = f"{again.removesuffix(', ')} {o.behind}, "  # an older day failed too: asked first
            # nor it: a 410, or a day whose earlier answer's papers are kept (its own day only asked)
            kept = KEPT in o.detail or STORED_ANYWAY in o.detail  # its own earlier answer's, or another's
            now_too = "" if GONE_FOR_GOOD in o.detail or kept else f" ({again}`digest fetch` now)"
            secho(
                f"{WITHOUT.format(o.source)}{now_too}:\n  {o.said}{bug(o)}",
                fg="red",
                err=True,
            )
        else:
            echo(f"{o.source}: fetched first: {o.said}{bug(o)}")


def say_failed_before(failed: Sequence[FetchRecord], now: dt.datetime) -> None:
    """Each source not fetched by this `digest send` (not due: it failed a moment ago, and waits to
    be tried again) whose failure these digests go without, said on stderr, in yellow: when it
    failed, when the daemon's pass tries it again, and why, as the failed fetch said it."""
    for f in failed:
        again = max(f.attempted_at + RETRY_FAILED, f.retry_at or f.attempted_at)
        then = f"again {utc_at(again, now)} if its readers still wait for it then, else "
        when = then if again > now else ""
        tries = "" if f.gone else f"the daemon's pass tries it {when}at its next fetch time; "
        said = FetchOutcome(f.source, f.url, f.outcome, f.detail).said
        secho(
            f"{WITHOUT.format(f.source)}: its fetch failed {utc_at(f.ran, now)} ({tries}"
            f"`digest fetch` now):\n  {said}",
            fg="yellow",
            err=True,
        )
