"""The readers whose digest cannot be made (a template of the user's failing for one of them), in
a daemon's log: said at ERROR once per reader and reason, again when the reason changes, and at
DEBUG at the passes between; a reader whose digest is queued since is forgotten, so the same
failure later is said again. It was the same ERROR line at every pass (every ``poll_seconds``)
until the template was fixed, as a broken profile file was before digest.daemon.skipped.
`digest status` lists them after every pass all the same (digest.daemon.notes).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class UnbuiltSaid:
    """What this process has said of the readers whose digest could not be made."""

    def __init__(self) -> None:
        self._said: dict[str, str] = {}  # reader -> the reason said

    def tell(self, user: str, period: str, error: str) -> None:
        if self._said.get(user) == error:
            log.debug("digest for %s (%s) not queued: %s (as before)", user, period, error)
            return
        self._said[user] = error
        log.error("digest for %s (%s) not queued: %s (said again only if it changes)", user, period, error)

    def served(self, user: str) -> None:
        self._said.pop(user, None)
