"""Progress of long work, told to whoever shows it: the library never prints.

The library calls ``start(what, total)``, ``advance(n)`` and ``finish()`` on the object it is
given; the command line shows a bar in a terminal, the daemon and pipes get nothing from it
(they log one line per event instead).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, what: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """Shows nothing."""

    def start(self, what: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


NO_PROGRESS = NoProgress()
