"""The readers whose digest cannot be made (a template of the user's failing for one of them), in
a daemon's log: said at ERROR once per reader and reason, again when the reason changes, for
each new digest of theirs that fails (the next day's), and a day after it was last said while it
lasts (a worker running for weeks said it once, in a log
rotated since, where a worker restarted says it again); at DEBUG at the passes between. A reader
whose digest is queued since is forgotten, so the same failure later is said again. It was the
same ERROR line at every pass (every ``poll_seconds``) until the template was fixed, as a broken
profile file was before digest.daemon.skipped. `digest status` lists them after every pass all
the same (digest.daemon.notes).

On PostgreSQL the workers say it once between them: whether to say it at ERROR is decided at the
end of the pass, in the transaction that notes the failure in ``reader_failures`` (its period and
when it was last said, by any worker: digest.daemon.notes), by the same rules, and said before
that transaction commits (a worker killed between marked nothing said); each worker saying
it from its own memory, N workers said each failure N times a day. A worker restarted within the
day says it at DEBUG (`digest status` lists it).
"""

from __future__ import annotations

import datetime as dt
import logging

log = logging.getLogger(__name__)

AGAIN = dt.timedelta(days=1)  # the same failure said again at ERROR this long after, while it lasts


class UnbuiltSaid:
    """What this process has said of the readers whose digest could not be made."""

    def __init__(self, shared: bool = False) -> None:
        self._said: dict[str, tuple[str, str, dt.datetime]] = {}  # reader -> the reason, digest, when said
        self.shared = shared  # PostgreSQL's workers: said once the pass has noted it (:meth:`say`)
        self.pending: dict[str, tuple[str, str, dt.datetime]] = {}  # reader -> (digest, reason, when)

    def tell(self, user: str, period: str, error: str, now: dt.datetime) -> None:
        """At ERROR unless said of the same digest (``period``) for the same reason within a day: a
        next day's digest failing is said however soon after (a pass a moment short of a day after
        the last ERROR may be that digest's only one, with a grace of one poll). Shared: kept for
        :meth:`say`, once the pass has noted it."""
        if self.shared:
            self.pending[user] = (period, error, now)
        else:
            self._own(user, period, error, now)

    def _own(self, user: str, period: str, error: str, now: dt.datetime) -> None:
        """Said as this process's memory has it."""
        said = self._said.get(user)
        loud = said is None or said[:2] != (error, period) or now - said[2] >= AGAIN
        if loud:
            self._said[user] = (error, period, now)
        _say(user, period, error, loud)

    def say(self, loud: set[str] | None) -> None:
        """Shared: say the failures told this pass, at ERROR those in ``loud`` (their rows about to
        be marked so: digest.daemon.notes.note_failures); None: not noted (the database failing),
        each as this worker's memory has it. Said once: a second call says nothing."""
        pending, self.pending = self.pending, {}
        for user, (period, error, now) in pending.items():
            if loud is None:
                self._own(user, period, error, now)
            else:
                _say(user, period, error, user in loud)

    def served(self, user: str) -> None:
        self._said.pop(user, None)


def _say(user: str, period: str, error: str, loud: bool) -> None:
    if not loud:
        log.debug("digest for %s (%s) not queued: %s (as before)", user, period, error)
        return
    log.error(
        "digest for %s (%s) not queued: %s (said again if it changes, or in a day while it lasts)",
        user,
        period,
        error,
    )
