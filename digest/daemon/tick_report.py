"""What one pass of the daemon did: each reader's digest scheduled, and the pass's report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from digest.daemon.status_readers import grace_said, shown_at
from digest.deliver.delivery import SendOutcome
from digest.deliver.held_said import retry_said
from digest.files import counted
from digest.ingest.dumps import IngestReport
from digest.ingest.fetch import FAILED as FETCH_FAILED
from digest.ingest.fetch import FetchOutcome
from digest.ingest.fetch_records import FetchRecord
from digest.ingest.inbox import Waiting

MISSED_NAMED = 10  # the readers whose send time was missed that a pass's line names (the rest counted)


@dataclass(frozen=True)
class Scheduled:
    user: str
    period: str
    papers: int
    message_id: str | None  # None: nothing worth sending yet (the reader stays due until grace ends)
    error: str | None = None  # this reader's digest could not be made (they stay due; others go on)


@dataclass(frozen=True)
class TickReport:
    ingested: IngestReport
    waiting: tuple[Waiting, ...]  # dumps changed within the settle time
    scheduled: tuple[Scheduled, ...]
    delivered: tuple[SendOutcome, ...]
    fetched: tuple[FetchOutcome, ...] = ()
    profile_problems: tuple[str, ...] = ()  # profile files skipped (their readers get nothing)
    due: frozenset[str] = frozenset()  # the readers found due: those of scheduled, those left to others
    retries: tuple[dt.datetime, ...] = ()  # when the messages deferred wait for, soonest first
    missed: tuple[tuple[str, dt.datetime, str], ...] = ()  # send times past their grace unserved, zone
    # the sources not fetched by this pass whose fetch failed a moment before (waiting to be tried
    # again), that the digests it queued go without (digest.daemon.fetching.failed_for)
    failed_before: tuple[FetchRecord, ...] = ()
    grace: dt.timedelta = dt.timedelta(0)

    def idle(self) -> str:
        """A pass that did nothing, said with what waits (a message deferred, its retry time)
        and where to see when there will be something."""
        waiting = ""
        if self.retries:
            at = retry_said(self.retries[0])
            waiting = f"; {counted(len(self.retries), 'message')} waiting to be retried"
            waiting += f" at {at}" if len(self.retries) == 1 else f", the first at {at}"
        return (
            f"nothing to do: no source due, no new dump, no reader's digest due{waiting}{self._missed()} "
            "(`digest status` shows when each reader's next one is)"
        )

    def _missed(self) -> str:
        """The send times no pass served within the grace: not made late, said (README,
        *Restarts and crashes*), with the way to have what waits now: the pass does not count it (it
        ranks no one it does not send to), so nothing here says papers wait; `digest status` does."""
        return f"; {missed_said(self.missed, self.grace)}" if self.missed else ""

    @property
    def failed_readers(self) -> bool:
        """Did some reader get nothing because of their profile or their message (not built, or
        not taken by the server in this pass: deferred or failed)? A message held before it went
        (its reader paused, unsubscribed or removed since it was made, or readdressed: made again
        for the new address) was not the server's to take: it does not count."""
        return (
            bool(self.profile_problems)
            or any(s.error for s in self.scheduled)
            or any(not d.ok and not d.held for d in self.delivered)
        )

    @property
    def failed_fetches(self) -> bool:
        """Did a source fetched in this pass fail (the readers served from what is stored)?"""
        return any(f.outcome == FETCH_FAILED for f in self.fetched)


def missed_said(missed: Sequence[tuple[str, dt.datetime, str]], grace: dt.timedelta) -> str:
    """Readers' send times no pass served within the ``grace`` (user, send instant, zone), each
    named with its time in the reader's zone as `digest status` says it (the first MISSED_NAMED;
    the rest counted), and how to have what waits now: `digest run --once`'s words and the daemon's
    log line (one reader each)."""
    grace_words = f"not sent within the {grace_said(grace)}"
    if len(missed) == 1:
        user, at, zone = missed[0]
        return (
            f"{user}'s digest of {shown_at(at, zone)} {grace_words}: "
            f"what waits for them goes in their next, `digest send --user {user}` sends it now"
        )
    named = ", ".join(f"{user}'s of {shown_at(at, zone)}" for user, at, zone in missed[:MISSED_NAMED])
    if len(missed) > MISSED_NAMED:
        named += f" and {len(missed) - MISSED_NAMED} more (`digest status` names them)"
    return (
        f"{len(missed)} readers' digests {grace_words} ({named}): "
        "what waits for each goes in their next, `digest send --user USER` sends it now"
    )
