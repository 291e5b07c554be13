"""Two steps at once, each in a thread of its own with a connection of its own, made to meet: the
test holds what both need (rows, or SQLite's write lock) until both wait for it, then lets them go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable


def started_until(threads: Iterable[threading.Thread], waiting: Callable[[], bool], what: str) -> None:
    """Start ``threads`` and return once ``waiting()`` says they wait for what the test holds; 60 s
    at the most, then fail saying ``what`` never came."""
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not waiting():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)
