"""How a failed pass is said in the daemon's log. A known trouble (a DigestError, whose message
says what and how to fix it; the database's or the disk's) is one line at each poll that fails.
An unforeseen exception is a bug: its traceback is logged once, so that it can be reported, and
each later pass failing the same way (the same exception from the same lines) says so in one
line instead of the same traceback at every poll."""

from __future__ import annotations

import datetime as dt
import logging

from digest.bugs import SeenBugs
from digest.db import db_errors, is_bug
from digest.dbfaults import explain_pg
from digest.deliver.unrecorded import DeliveryHalted, still_unrecorded
from digest.errors import DigestError, StoreUnusable
from digest.files import printable

log = logging.getLogger("digest.daemon.service")  # the daemon's log, as it always said it

RETRY = "retrying at the next poll"


class TickFailures:
    """The failures of a daemon's passes, said as above (one per daemon)."""

    def __init__(self) -> None:
        self._bugs = SeenBugs()  # the bugs whose traceback was logged (digest.bugs)

    def failed(self, error: Exception, database: str, now: dt.datetime, url: str = "") -> None:
        """Log the pass that failed with ``error`` (``database``: as messages name it; ``url``:
        as configured, to ask the server what its role may do)."""
        if isinstance(error, StoreUnusable):
            log.error("tick failed, and will until this is fixed (%s): %s", RETRY, error)
        elif isinstance(error, DeliveryHalted):  # said at CRITICAL as delivery stopped: not again
            log.error("tick failed; %s: delivery is stopped (said above, at CRITICAL)", RETRY)
        elif isinstance(error, DigestError):
            log.error("tick failed; %s: %s%s", RETRY, error, still_unrecorded(error, database))
        elif (clear := explain_pg(error, database, url)) is not None:  # its server's disk full
            log.error("tick failed; %s: %s", RETRY, clear)
        elif isinstance(error, db_errors()) and not is_bug(error):  # connection lost, timeout
            log.error("tick failed; %s: %s: %s", RETRY, database, printable(str(error).strip()))
        elif isinstance(error, OSError):  # a file the pass reads or writes: full, gone, not allowed
            log.error("tick failed; %s: %s", RETRY, printable(_os_error(error)))
        else:
            self._bug(error, now)

    def _bug(self, error: Exception, now: dt.datetime) -> None:
        new, first = self._bugs.first(error, now)
        what = f"{type(error).__name__}: {printable(str(error).strip())}"
        if not new:
            log.error(
                "tick failed again on the unforeseen error %s (its traceback was logged at %s UTC); %s",
                what,
                f"{first.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}" if first else "?",
                RETRY,
            )
            return
        log.error(
            "tick failed on an unforeseen error (a bug in digest: please report it with this "
            "traceback; it is logged once, then one line each time it happens again); %s",
            RETRY,
            exc_info=error,
        )


def _os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"
