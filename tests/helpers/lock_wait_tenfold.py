"""The environment of a `digest serve` whose clock runs ten times the real pace (libfaketime), so
that SQLite's lock wait, 30 s of its own (the busy timeout: the sleeps it counts are shortened
tenfold too), is over in about 3 s: for the tests of what a page answers once that wait is over,
while another connection holds the database's write lock. The wait is still the product's own,
whole: only the process's seconds are shorter. Where libfaketime is not installed, nothing is set:
the tests wait the real 30 s, as they did before, rather than be skipped (they need no faked day
or hour, only a shorter wait)."""

from __future__ import annotations

from helpers.faked import LIBFAKETIME

TENFOLD = {} if LIBFAKETIME is None else {"LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": "+0 x10"}

__all__ = ["TENFOLD"]
