"""The readers whose digest cannot be made (a template of the user's failing for one of them), in
a daemon's log: said at ERROR once per reader and reason, again when the reason changes, and a
day after it was last said while it lasts (a worker running for weeks said it once, in a log
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
        self._said: dict[str, tuple[str, dt.datetime]] = {}  # reader -> the reason said, and when

    def tell(self, user: str, period: str, error: str, now: dt.datetime) -> None:
        said = self._said.get(user)
        if said is not None and said[0] == error and now - said[1] < AGAIN:
            log.debug("digest for %s (%s) not queued: %s (as before)", user, period, error)
            return
        self._said[user] = (error, now)
        log.error(
            "digest for %s (%s) not queued: %s (said again if it changes, or in a day while it lasts)",
            user,
            period,
            error,
        )

    def served(self, user: str) -> None:
        self._said.pop(user, None)
