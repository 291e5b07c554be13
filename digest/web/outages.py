"""What the open pages' polls (GET /u/<token>/version, every 1.5 s to a minute, from each open
page) met while the server could not answer them (the database locked, unusable, its schema newer):
each trouble said once in `digest serve`'s log, not at every poll of every page, and once that the
polls are answered again."""

from __future__ import annotations

import logging
import threading

ONCE = " (said once: the open pages' polls are not logged again until they are answered)"
BACK = "the open pages' polls are answered again: the trouble logged before is over"


class Outages:
    """The troubles said for the polls since the last poll answered (the web's threads share it)."""

    def __init__(self) -> None:
        self._said: set[str] = set()
        self._lock = threading.Lock()

    def say(self, log: logging.Logger, level: int, text: str, trouble: str | None = None) -> None:
        """``text`` at ``level`` the first time its ``trouble`` (by default the text itself; the
        database's error for every page's poll alike) is met since the polls were last answered;
        after that at DEBUG (``-v`` does not show it either: seen once, it is the same trouble)."""
        key = text if trouble is None else trouble
        with self._lock:
            first = key not in self._said
            self._said.add(key)
        log.log(level if first else logging.DEBUG, "%s%s", text, ONCE if first else "")

    def answered(self, log: logging.Logger) -> None:
        """A poll answered: said once, where a trouble was said."""
        with self._lock:
            was = bool(self._said)
            self._said.clear()
        if was:
            log.warning(BACK)
