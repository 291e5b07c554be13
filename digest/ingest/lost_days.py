"""What a fetch says of the days a long stop lost (digest.ingest.missed_days): a source not fetched
for over a week asks for the week before its own day, and says the days before it, and those its
last fetch left unfetched, not asked for now (:data:`LOST`, ...), of one day in the singular, of
several in the plural; and days said in runs (:func:`days_said`). (Moved from
digest.ingest.missed_days.)"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

log = logging.getLogger("digest.ingest.missed_days")  # its lines, as before the move

# a source not fetched for over a week (the daemon stopped): the days before the week asked now;
# each line said of one day or of several (:func:`say_lost`: {its} "its" or "their", ...)
_SINCE = "%s: not fetched since %s, over a week ago: the daily papers of %s"
_NEVER_CAME = " (a week back at most): {its} papers never came"
_NOT_NOW = " were never asked for and are not asked for now"
LOST = _SINCE + _NOT_NOW + _NEVER_CAME
# and the days its last fetch asked for whose every fetch failed (its own, or a catch-up's): what
# `digest status` said of them until this fetch (daemon.failed_days: "whose fetch above failed")
LOST_FAILED = _SINCE + ", whose {fetch} failed then, are not asked for again" + _NEVER_CAME
# and those a stopped catch-up left (missed_days.NOT_ASKED) and no fetch asked for since: never asked
LOST_LEFT = (
    _SINCE
    + ", not asked for then (the catch-up stopped, the server failing), are not asked for"
    + _NEVER_CAME  # not "again": they never were
)
# and those it asked for only before they were over, their list not out yet (`day: today` in the morning)
LOST_NOT_OUT = (
    _SINCE + ", asked for before {it_was} over and not out yet, are not asked for again" + _NEVER_CAME
)
# and those asked for only before they were over whose answer held papers (its list still filling)
LOST_GROWN = (
    _SINCE + ", asked for before {it_was} over, are not asked for again (a week back at most): the papers "
    "of {its} earlier {answer} kept ({its} {list} may have grown since)"
)
# and those whose papers were loaded by hand only before they were over (`digest ingest` of a dump made
# then, missed_days.partly_loaded), their fetch failed or not out yet: some came, the list's later ones not
LOST_PART = (
    _SINCE + ", loaded by hand before {it_was} over, are not asked for again (a week back at most): the "
    "papers loaded kept ({its} {list} may have grown since)"
)
LOST_PART_NEVER = LOST_PART.replace(" are not asked for again", _NOT_NOW)  # and never asked (:data:`LOST`)
_ONE = {"its": "its", "it_was": "it was", "fetch": "fetch", "answer": "answer", "list": "list"}
_SEVERAL = {"its": "their", "it_was": "they were", "fetch": "fetches", "answer": "answers", "list": "lists"}


def say_lost(message: str, source: str, since: str, days: Sequence[dt.date]) -> None:
    """Warn ``message`` (:data:`LOST`, ...) of ``source``'s ``days`` (oldest first), its last fetch at
    ``since``: of one day in the singular (as missed_days.KEPT, status's lines), of several in the plural."""
    words = _ONE if len(days) == 1 else _SEVERAL
    log.warning(message.format(**words), source, since, days_said(days))


def days_said(days: Sequence[dt.date]) -> str:
    """``days`` (oldest first) said: each run of three days or more in a row as "<first> to <last>"
    (a stop of months with one day loaded by hand in it: two runs, not a hundred dates), the
    others one by one."""
    runs: list[list[dt.date]] = []
    for d in days:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(f"{r[0]} to {r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
