"""The readers whose digest cannot be made (a template of the user's failing for one of them), in
a daemon's log: said at ERROR once per reader and reason, again when the reason changes, for
each new digest of theirs that fails (the next day's), and a day after it was last said while it
lasts (a worker running for weeks said it once, in a log
rotated since, where a worker restarted says it again); at DEBUG at the passes between. A reader
whose digest is queued since is forgotten, so the same failure later is said again. It was the
same ERROR line at every pass (every ``poll_seconds``) until the template was fixed, as a broken
profile file was before digest.daemon.skipped. `digest status` lists them after every pass all
the same (digest.daemon.notes).
"""

from __future__ import annotations

import datetime as dt
import logging

log = logging.getLogger(__name__)

AGAIN = dt.timedelta(days=1)  # the same failure said again at ERROR this long after, while it lasts


class UnbuiltSaid:
    """What this process has said of the readers whose digest could not be made."""

    def __init__(self) -> None:
        self._said: dict[str, tuple[str, str, dt.datetime]] = {}  # reader -> the reason, digest, when said

    def tell(self, user: str, period: str, error: str, now: dt.datetime) -> None:
        """At ERROR unless said of the same digest (``period``) for the same reason within a day: a
        next day's digest failing is said however soon after (a pass a moment short of a day after
        the last ERROR may be that digest's only one, with a grace of one poll)."""
        said = self._said.get(user)
        if said is not None and said[:2] == (error, period) and now - said[2] < AGAIN:
            log.debug("digest for %s (%s) not queued: %s (as before)", user, period, error)
            return
        self._said[user] = (error, period, now)
        log.error(
            "digest for %s (%s) not queued: %s (said again if it changes, or in a day while it lasts)",
            user,
            period,
            error,
        )

    def served(self, user: str) -> None:
        self._said.pop(user, None)
