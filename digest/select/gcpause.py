"""Making many long-lived objects without the cyclic garbage collector walking them.

A digest run makes millions of small objects that are not part of any cycle and live
until the run ends (the index's words and positions, the matches with their keyword and
hit tuples). Each burst of allocations triggers collections, and the young generation is
walked again and again; as the objects are promoted, full collections walk the whole
heap (with 100,000 profiles loaded, well over a million objects). On the matcher
benchmark that was a quarter of the run.

:func:`long_lived` pauses the collector while such objects are made, then puts
everything it tracks into the oldest generation at once (``gc.freeze()`` followed by
``gc.unfreeze()``: two list splices, no walk) instead of letting the first collection
after the pause walk them all. Nothing is freed later than it would be: these objects die
by reference counting, and cycles are still found by the next full collection. It steps
aside when the program uses ``gc.freeze()`` itself (a non-empty permanent generation),
since unfreezing would undo that.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """Make many acyclic, long-lived objects inside this block (see the module's doc)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
