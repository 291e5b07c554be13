"""How a failed pass is said in the daemon's log. A known trouble (a DigestError, whose message
says what and how to fix it; the database's or the disk's) is one line when it is first met, again
an hour later while passes go on failing so (its changing figures aside: a full disk's room left),
and the first pass through says they are over. An unforeseen exception is a bug: its traceback is
logged once, so that it can be reported; while later passes fail the same way (the same exception
from the same lines), one line an hour says so, not the same traceback or line at every poll."""

from __future__ import annotations

import datetime as dt
import logging
import re

from digest.bugs import KEPT, SeenBugs, bug_signature
from digest.db import db_errors, is_bug
from digest.dbfaults import explain_pg
from digest.deliver.unrecorded import DeliveryHalted, still_unrecorded
from digest.errors import DigestError, StoreUnusable
from digest.files import counted, printable

log = logging.getLogger("digest.daemon.service")  # the daemon's log, as it always said it

RETRY = "retrying at the next poll"
AGAIN = dt.timedelta(hours=1)  # a failure alike at every poll is said again so often
NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
INBOX = "inbox not used: {}; the digests of what is stored go on"  # step_trouble's, by default
INBOX_BACK = "the inbox is used again"


class TickFailures:
    """The failures of a daemon's passes, said as above (one per daemon). Each known trouble met
    since the last pass that succeeded (a full disk; two files refused in turn, one at each poll) is
    said once, then again every AGAIN with how many passes failed since; another trouble is said
    when first met; the first pass to succeed after says so."""

    def __init__(self) -> None:
        self._bugs = SeenBugs()  # the bugs whose traceback was logged (digest.bugs)
        self._failing = False  # a pass failed since the last that succeeded
        self._said: dict[str, dt.datetime] = {}  # each known trouble said (_alike) since then: when
        self._since = NEVER
        self._count = 0  # the passes failed since the first said, all alike or not
        # each bug seen again (its traceback logged): when last said, how often it happened since
        self._repeats: dict[tuple, tuple[dt.datetime, int]] = {}
        # each trouble of a step that does not fail the pass (_alike): the steps meeting it, when
        # said, since, its words, the words saying it is over
        self._steps: dict[str, tuple[set[str], dt.datetime, dt.datetime, str, str]] = {}

    def failed(self, error: Exception, database: str, now: dt.datetime, url: str = "") -> None:
        """Log the pass that failed with ``error`` (``database``: as messages name it; ``url``:
        as configured, to ask the server what its role may do)."""
        line = _line(error, database, url)
        if not self._failing:  # a new run of failures: each trouble and bug in it said at once
            self._failing, self._since, self._count, self._said = True, now, 0, {}
            self._repeats = {key: (NEVER, times) for key, (_, times) in self._repeats.items()}
        self._count += 1
        if line is None:  # a bug: said as such (_bug); its end said too
            return self._bug(error, now)
        alike = _alike(line)
        said = self._said.get(alike)
        if said is not None and now - said < AGAIN:
            return log.debug("%s", line)  # said already
        if len(self._said) >= KEPT and alike not in self._said:
            del self._said[next(iter(self._said))]
        self._said[alike] = now
        if said is not None:
            line += f" (still: {self._count} passes failed since {self._since:%Y-%m-%d %H:%M} UTC)"
        log.error("%s", line)

    def succeeded(self, now: dt.datetime) -> None:
        """A pass went through: a failure said before is over, and said so."""
        if not self._failing:
            return
        log.info(
            "tick succeeded again, after %d failed passes since %s UTC (said above)",
            self._count,
            f"{self._since:%Y-%m-%d %H:%M}",
        )
        self._failing = False

    def step_failed(self, doing: str, error: Exception, now: dt.datetime) -> None:
        """A bug met ``doing`` a step that does not fail the pass (fetching the sources, reading
        the inbox: digest.daemon.first.inbox_step), said as :meth:`_bug` says a pass's."""
        self._said_bug(doing, error, now, "the digests of what is stored go on")

    def step_trouble(
        self, doing: str, problem: str, now: dt.datetime, *, line: str = INBOX, over: str = INBOX_BACK
    ) -> None:
        """A trouble of a step that does not fail the pass (``problem``, met ``doing`` it: an inbox
        that cannot be used; a refused SMTP login, which stops delivering; settings that differ
        from the other workers', which stops queueing), said in ``line`` (its
        ``{}``: the problem) as a pass's known trouble is, when first met and again every AGAIN
        while it lasts, the polls between at DEBUG; :meth:`step_went` says when it is over, in
        ``over``'s words."""
        line = line.format(problem)
        alike = _alike(line)
        known = self._steps.get(alike)
        steps = (known[0] if known else set()) | {doing}
        if known is not None and now - known[1] < AGAIN:
            self._steps[alike] = (steps, *known[1:])
            return log.debug("%s", line)
        if len(self._steps) >= KEPT and alike not in self._steps:
            del self._steps[next(iter(self._steps))]
        since = known[2] if known else now
        self._steps[alike] = (steps, now, since, problem, over)
        log.error("%s%s", line, f" (still, since {since:%Y-%m-%d %H:%M} UTC)" if known else "")

    def step_went(self, doing: str) -> None:
        """``doing`` went through (using the inbox; delivering): a trouble said of it is over when
        no other step meets it still, and said so."""
        for alike, (steps, *_, problem, over) in list(self._steps.items()):
            steps.discard(doing)
            if not steps:
                del self._steps[alike]
                log.info("%s (said above: %s)", over, problem)

    def _bug(self, error: Exception, now: dt.datetime) -> None:
        self._said_bug("tick", error, now, RETRY)

    def _said_bug(self, doing: str, error: Exception, now: dt.datetime, then: str) -> None:
        """A bug met ``doing``: its traceback logged once; while it happens again (at every poll),
        one line every AGAIN with how many times it did, the others at DEBUG; ``then``: what
        the daemon does next."""
        new, first = self._bugs.first(error, now)
        key = bug_signature(error)
        if new:
            self._repeats[key] = (now, 0)
            log.error(
                "%s failed on an unforeseen error (a bug in digest: please report it with this "
                "traceback; it is logged once, then one line an hour while it happens again); %s",
                doing,
                then,
                exc_info=error,
            )
            return
        said, times = self._repeats.get(key, (first or now, 0))
        times += 1
        if now - said < AGAIN:
            self._repeats[key] = (said, times)
            return log.debug("%s failed again on the unforeseen error %s", doing, _what(error))
        if len(self._repeats) >= KEPT and key not in self._repeats:
            del self._repeats[next(iter(self._repeats))]
        self._repeats[key] = (now, times)
        log.error(
            "%s failed again on the unforeseen error %s (%s since its traceback was logged at %s UTC); %s",
            doing,
            _what(error),
            counted(times, "time"),
            f"{first.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}" if first else "?",
            then,
        )


def _line(error: Exception, database: str, url: str) -> str | None:
    """The line saying a pass failed with a known trouble; None for a bug."""
    if isinstance(error, StoreUnusable):
        return f"tick failed, and will until this is fixed ({RETRY}): {error}"
    if isinstance(error, DeliveryHalted):  # said at CRITICAL as delivery stopped: not again
        return f"tick failed; {RETRY}: delivery is stopped (said above, at CRITICAL)"
    if isinstance(error, DigestError):
        return f"tick failed; {RETRY}: {error}{still_unrecorded(error, database)}"
    if (clear := explain_pg(error, database, url)) is not None:  # its server's disk full
        return f"tick failed; {RETRY}: {clear}"
    if isinstance(error, db_errors()) and not is_bug(error):  # connection lost, timeout
        return f"tick failed; {RETRY}: {database}: {printable(str(error).strip())}"
    if isinstance(error, OSError):  # a file the pass reads or writes: full, gone, not allowed
        return f"tick failed; {RETRY}: {printable(_os_error(error))}"
    return None


# A figure standing on its own ("12 KiB", "(3 s", "[Errno 28]", "07:05", "1,024"), not digits that
# are part of a name, a path or a date ("inbox/2026-03-14.txt", "m1.eml", "2026-03-14").
FIGURE = re.compile(r"(?<![\w./\\-])\d[\d.,:]*(?<=\d)(?![\w/\\-]|[.:,][\w/\\-])")


def _alike(line: str) -> str:
    """``line`` but for its figures: a trouble that says how it stands now (a full disk's "12 KiB
    free", which another process writing or freeing a little changes) is the same from poll to poll;
    the digits of what it names are kept (a pass failing on another dated file is another trouble)."""
    return FIGURE.sub("#", line)


def _what(error: Exception) -> str:
    return f"{type(error).__name__}: {printable(str(error).strip())}"


def _os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"
