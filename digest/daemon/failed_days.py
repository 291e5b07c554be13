"""`digest status`'s word on the days whose daily papers failed besides a source's last fetch: a
catch-up's (digest.ingest.missed_days) that met a 503, say. `status` shows a source's last fetch
only, the day's own, so a failed catch-up was said by the fetch that made it and then by nothing,
though it is asked again at each fetch for a week and its papers reach no one until then.

A day that left that week since the source's last fetch (no fetch since: the daemon stopped, a
`digest send` not run for days) is said too, as a day whose papers never came, not asked for
again: nothing else says it (the fetch that last asked for it still had it in its week), and
the line of the week's days vanished with it. It is said until the source's next fetch; not of a
day whose daily papers are in the store all the same (its dump loaded by hand, `digest ingest`):
those came."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from digest.config import Config, SourceConfig
from digest.daemon.status_readers import shown_at
from digest.ingest.fetch import GONE, config_file, source_day
from digest.ingest.fetch_records import FetchRecord, run_time
from digest.ingest.missed_days import (
    AT_EACH,
    AT_EACH_LEFT,
    CATCH_UP,
    GREW,
    NOT_AGAIN,
    NOT_EVER,
    Asked,
    behind,
    early_only,
    failed_before,
    left_by_stop,
    loaded_in_part,
    looked_back,
    stored,
)
from digest.store import Store
from digest.store_readers import iso

# a failed day over a week old since the source's last fetch: what that fetch could not say
AGED = f"over a week old, {NOT_AGAIN} since {{}}"
NEVER_CAME = f"{AGED}: its papers never came"

# a day whose papers were loaded by hand before it was over only, its fetch failed or not out yet
PART = "loaded by hand before it was over"
KEPT_PART = "the papers loaded kept (its list may have grown since)"  # as lost_days.LOST_PART

# a failed day asked for today, the last day it is: no fetch after today's asks for it
LAST_DAY = f"a week old: {NOT_AGAIN} after today"
# and each said so of a day a stopped catch-up left (missed_days.NOT_ASKED): never asked, not "again"
# ("not asked for since <date>" read as asked before it: the date is when it left the week, said so)
NEVER_CAME_LEFT = "over a week old since {}, never asked for: its papers never came"
# and of such a day left today on its last day in the week: the fetches left today ask for it (the oldest
# of the week, none holds it back); "a week old: not asked for after today" read as asked for today
LAST_DAY_LEFT = f"{AT_EACH_LEFT} today, then a week old: {NOT_EVER} after today"


def failed_days(
    store: Store, config: Config, last: dict[str, FetchRecord], now: dt.datetime
) -> list[tuple[str, str]]:
    """The days whose daily papers every fetch failed (a catch-up's, digest.ingest.missed_days),
    but a source's last fetch (its own line says it): those of the week, with the last day they
    are asked for again, then those that left the week since the source's last fetch; each with
    what failed."""
    lines = []
    today = now.astimezone(ZoneInfo(config.timezone)).date()
    for src in config.sources:
        own = source_day(src, now, config.timezone)
        f = last.get(src.name)
        then = source_day(src, f.attempted_at, config.timezone) if f else own  # the last fetch's week
        week = failed_before(store, src, own, GONE)  # oldest first
        # the days that fetch looked back at, and its own (its line says it failed, not that it is given up)
        looked = looked_back(store, src, then + dt.timedelta(days=1), GONE) if then < own else []
        older = failed_before(store, src, then + dt.timedelta(days=1), GONE, asked=looked)
        aged = [a for a in older if a.day < own - dt.timedelta(days=CATCH_UP)]
        aged = [a for a in aged if not stored(store, src.kind, a.day)]  # its dump loaded by hand: they came
        for n, a in enumerate([*aged, *week]):
            end = a.day + dt.timedelta(days=CATCH_UP) + (today - own)  # its source's day a week after it
            left = left_by_stop(a.detail)  # never asked for: not "again"
            given_up = (NEVER_CAME_LEFT if left else NEVER_CAME).format(end + dt.timedelta(days=1))
            said = src.rekeyed(a.detail, config.sources, config_file(config))
            at = _made_by(store, src, a.attempted_at, f, a.url)
            if f is not None and a.url == f.url:  # the source's line says how it failed
                if n < len(aged):
                    lines.append(
                        (src.name, f"the daily papers of {a.day}, whose fetch above failed: {given_up}")
                    )
                continue
            if n < len(aged):
                lines.append((src.name, f"{_failed(a, said, at)}; {given_up}"))
                continue
            if end == today and at.astimezone(ZoneInfo(config.timezone)).date() == today:
                last_day = LAST_DAY_LEFT if left else LAST_DAY
                lines.append((src.name, f"{_failed(a, said, at)}; {last_day}"))  # asked on its last day
                continue
            # an older day that fails holds it back (fetch_with_missed: no storm in an outage) until
            # it answers, or leaves the week: the day after the last older one's last (theirs, a day apart)
            each = AT_EACH_LEFT if left else AT_EACH
            before = [w.day for w in week[: n - len(aged)]]  # the failed days of the week before it
            when = f"{each} {behind(before, own, today)}," if before else each
            lines.append((src.name, f"{_failed(a, said, at)}; {when} until a week old (the last on {end})"))
        lines += _early(store, src, then, looked, own, today, f.url if f else None)
    return lines


def _early(
    store: Store,
    src: SourceConfig,
    then: dt.date,
    looked: list[Asked],
    own: dt.date,
    today: dt.date,
    url: str | None,
) -> list[tuple[str, str]]:
    """The days the last fetch (its own day ``then``) had asked for only before they were over that
    left the week since (no fetch since): not asked for again, said as that fetch's next would say
    them (missed_days' long stop), its papers never came, or those listed after its answer; and those
    whose papers were loaded by hand only before they were over (failed, or not out yet: missed_days.
    loaded_in_part), those listed after the dump. ``looked``: the days that fetch looked back at, with
    its own (missed_days.looked_back; none when it was made today)."""
    lines = []
    for a in early_only(store, src, then + dt.timedelta(days=1), GONE, looked):
        if a.day >= own - dt.timedelta(days=CATCH_UP):
            continue  # still in the week: asked once more at the next fetch
        end = a.day + dt.timedelta(days=CATCH_UP + 1) + (today - own)  # the first day not asked
        given_up = (NEVER_CAME if a.empty else f"{AGED}: {GREW}").format(end)
        asked = "asked for before it was over" + (" and not out yet" if a.empty else "")  # one day a line
        above = " (the fetch above)" if a.url == url else ""
        lines.append((src.name, f"the daily papers of {a.day}, {asked}{above}: {given_up}"))
    for a in loaded_in_part(store, src, then + dt.timedelta(days=1), GONE, looked):  # failed, or not out yet
        if a.day >= own - dt.timedelta(days=CATCH_UP):
            continue  # still in the week: asked again at the next fetch
        end = a.day + dt.timedelta(days=CATCH_UP + 1) + (today - own)
        above = " (the fetch above)" if a.url == url else ""
        given_up = f"{AGED.format(end)}: {KEPT_PART}"
        lines.append((src.name, f"the daily papers of {a.day}, {PART}{above}: {given_up}"))
    return lines


def made_at(at: dt.datetime, last: FetchRecord | None) -> dt.datetime:
    """When the fetch that recorded a day's fetch at ``at`` ran: the catch-ups of a fetch, and the days
    it left, are recorded a second apart before it (ingest.fetch_all.fetch_with_missed: its own day's
    stays the source's latest), a week's days at most; one so recorded by the source's ``last`` fetch
    is said at that fetch's time, as its line says it: not "05:59" under a fetch "at 06:00" (so is a
    catch-up's success, status's "last success" beside that fetch's failure). Since schema 38 a record
    keeps its fetch run's time (fetch_records.run_time), which callers give as ``at``: this reads the
    rows stored before as before."""
    if last is not None and dt.timedelta(0) < last.ran - at <= dt.timedelta(seconds=CATCH_UP):
        return last.ran
    return at


def _made_by(
    store: Store, src: SourceConfig, at: dt.datetime, last: FetchRecord | None, url: str
) -> dt.datetime:
    """The time of the fetch run that recorded ``url``'s fetch at ``at``: its record's own (schema 38:
    fetch_records.run_time), else :func:`made_at`, also of a day recorded by a fetch before ``src``'s
    ``last`` (a catch-up held back since: an older failed day asked first failed again): that fetch's
    time, its latest record of ``src`` up to :data:`CATCH_UP` seconds after ``at`` (its own day's, its
    catch-ups recorded a second apart before it; one record an address is kept: none left of it, ``at``:
    a row stored before schema 38 whose fetch's own record a later fetch overwrote)."""
    row = store.db.execute("SELECT attempted_at, run_at FROM fetches WHERE url = ?", (url,)).fetchone()
    ran = run_time(*row) if row else None
    if ran is not None:
        return ran
    made = made_at(at, last)
    if made != at:
        return made
    sql = "SELECT MAX(attempted_at) FROM fetches WHERE source = ? AND attempted_at > ? AND attempted_at <= ?"
    (latest,) = store.db.execute(
        sql, (src.name, iso(at), iso(at + dt.timedelta(seconds=CATCH_UP)))
    ).fetchone()
    return dt.datetime.fromisoformat(latest) if latest else at


def _failed(a: Asked, said: str, at: dt.datetime) -> str:
    """A failed day said with the time of the fetch that recorded it (``at``); one a stopped catch-up
    left was never asked for: said so, not as a failure of its own (its record's words:
    missed_days.NOT_ASKED)."""
    if left_by_stop(a.detail):
        return f"the daily papers of {a.day} {said} (at {shown_at(at)})"
    return f"the daily papers of {a.day} FAILED at {shown_at(at)}: {said}"
