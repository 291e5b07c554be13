"""Bugs said once: an unforeseen exception (a bug in digest) has its traceback logged the first
time, so that it can be reported, and one line each later time the same bug happens (the same
exception from the same lines), not the same traceback at every poll or for every file. Used by
the daemon's passes (digest.daemon.failures) and the dump readers (digest.ingest.dumps)."""

from __future__ import annotations

import datetime as dt
import threading
import traceback
from collections.abc import Iterator

KEPT = 100  # bugs remembered (when their traceback was logged); more than that: the oldest forgotten


class SeenBugs:
    """The bugs whose traceback was logged, by signature: when."""

    def __init__(self) -> None:
        self._logged: dict[tuple, dt.datetime | None] = {}
        self._lock = threading.Lock()  # the daemon's passes and a fetch may read dumps in two threads

    def first(self, error: BaseException, now: dt.datetime | None = None) -> tuple[bool, dt.datetime | None]:
        """(whether ``error`` is a bug not seen before, now remembered; when the one seen was)."""
        signature = bug_signature(error)
        with self._lock:
            if signature in self._logged:
                return False, self._logged[signature]
            if len(self._logged) >= KEPT:
                del self._logged[next(iter(self._logged))]
            self._logged[signature] = now
            return True, now


def bug_signature(error: BaseException) -> tuple:
    """What tells a bug from another: each exception of its chain (the one raised, and the one it
    was raised from or during, as its traceback shows them), its type and the lines it passed
    through. Two bugs wrapped by the same ``raise ... from`` differ by what they wrap."""
    return tuple(
        (type(e).__qualname__, tuple((f.filename, f.lineno) for f in traceback.extract_tb(e.__traceback__)))
        for e in error_chain(error)
    )


def error_chain(error: BaseException, *, suppressed: bool = False) -> Iterator[BaseException]:
    """``error``, then the one it was raised from or during, and so on, each once, as a traceback
    shows them; ``suppressed``: and the one a ``raise ... from None`` hides from the traceback."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        hidden = current.__suppress_context__ and not suppressed
        current = current.__cause__ or (None if hidden else current.__context__)
