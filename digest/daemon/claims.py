"""What keeps several workers on one database from doing the same work twice.

- Readers: a worker claims a small batch of due readers (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL: a row another worker is claiming is passed over, not waited for) with a lease,
  makes their digests, and queues each one and marks its period done in one transaction;
  ``period_digests``' primary key (reader, period) is the backstop.
- Messages: claimed with a lease too (digest.deliver.outbox.Outbox.claim).
- Singleton duties (ingesting the inbox, fetching sources): under a PostgreSQL advisory lock;
  a worker that cannot take it at once skips the duty (another one is doing it), but for a fetch
  of sources due, which a pass waits for a while and `digest send` until it is done.
- Workers: each one notes itself in ``workers`` at every pass, with what it holds, for
  `digest status`.

On SQLite the daemon's file lock (digest.daemon.lock) already allows one worker, and the
same statements run without the PostgreSQL clauses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from digest.daemon.holders import held_note, holders, waiting_note
from digest.daemon.speaking import INGEST_QUIET, MARK, judged_by, speaking
from digest.db import POSTGRESQL, lock_key
from digest.deliver.claims import free_for
from digest.schema import SCHEMA_VERSION
from digest.store import Store, iso
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)

WAIT_POLL = 0.25  # s between tries of a duty's lock, waiting for the worker at it
BEAT_EVERY = 5.0  # s between a waiting pass's notes that it is there (claims.touch)
SAY_AFTER = 10.0  # s a wait without patience (`digest send`) goes on before it says who it waits for
READER_BATCH = 25  # readers claimed at a time: small, so the others share the day's work


def claim_readers(
    store: Store, users: Sequence[str], worker: str, now: dt.datetime, lease: dt.timedelta
) -> list[str]:
    """Of these (due) readers, those this worker now holds (until ``now + lease``: a killed
    worker's readers go back to the others then), in order."""
    if not users:
        return []
    store.db.executemany(
        "INSERT OR IGNORE INTO reader_claims (user) VALUES (?)", [(u,) for u in users]
    )  # one row per reader to claim (never removed: the next day reuses it)
    skip_locked = " FOR UPDATE SKIP LOCKED" if store.dialect == POSTGRESQL else ""
    got: set[str] = set()
    for chunk, marks in in_chunks(users):
        with store.transaction() as db:
            rows = db.execute(
                "UPDATE reader_claims SET claimed_by = ?, claimed_until = ? WHERE user IN ("
                f"SELECT user FROM reader_claims WHERE user IN ({marks}) "
                f"AND {free_for(store)}{skip_locked}) "
                "RETURNING user",
                (worker, iso(now + lease), *chunk, worker, iso(now)),
            ).fetchall()
        got.update(r[0] for r in rows)
    return [u for u in users if u in got]


def release_readers(store: Store, users: Sequence[str], worker: str) -> None:
    for chunk, marks in in_chunks(users):
        with store.transaction() as db:
            db.execute(
                "UPDATE reader_claims SET claimed_by = NULL, claimed_until = NULL "
                f"WHERE claimed_by = ? AND user IN ({marks})",
                (worker, *chunk),
            )


def mark_period(store: Store, user: str, period: str, message_id: str) -> None:
    """Inside the transaction that queues the period's digest: the (reader, period) backstop
    (a second scheduled digest for the period fails here, and its transaction with it)."""
    store.db.execute(
        "INSERT INTO period_digests (user, period, message_id) VALUES (?,?,?)", (user, period, message_id)
    )


def mark_periods(store: Store, rows: Sequence[tuple[str, str, str]]) -> None:
    """:func:`mark_period` for many (reader, period, message id) at once."""
    store.db.executemany("INSERT INTO period_digests (user, period, message_id) VALUES (?,?,?)", rows)


def clear_stale_periods(store: Store, rows: Sequence[tuple[str, str, dt.datetime]]) -> None:
    """Inside a transaction: for each (reader, period, the instant that day began in the
    reader's time zone now), the period's backstop row is dropped if its digest was made
    before that day began: the date was another zone's day (a reader who moved west: Tokyo's
    Mar 16 at 08:00 is Mar 15 in London), and it must not keep this zone's day of that date
    from its digest. A row whose message is not in the outbox stays."""
    store.db.executemany(
        "DELETE FROM period_digests WHERE user = ? AND period = ? AND message_id IN "
        "(SELECT message_id FROM outbox WHERE user = ? AND created_at < ?)",
        [(user, period, user, iso(begins)) for user, period, begins in rows],
    )


def period_queued(store: Store, user: str, period: str) -> bool:
    row = store.db.execute("SELECT 1 FROM period_digests WHERE user = ? AND period = ?", (user, period))
    return row.fetchone() is not None


@contextmanager
def singleton(
    store: Store,
    duty: str,
    *,
    wait: bool = False,
    stop: threading.Event | None = None,
    patience: float | None = None,
    beat: Callable[[], None] | None = None,
    alive: tuple[float, float] | None = None,
) -> Iterator[bool]:
    """Whether this worker does ``duty`` now: on PostgreSQL, if it got the duty's advisory lock
    at once (held until the block ends); on SQLite always (the file lock made it the only one).
    ``wait``: until the worker at it is done (`digest send`, whose digests must hold what that
    brings), polled so that ``stop`` set (Ctrl-C) gives up the wait: False then; ``patience``: for
    that many seconds at most (a pass: False after them, the duty skipped), ``beat`` called every
    ``BEAT_EVERY`` s meanwhile (the worker seen again: a wait is no killed worker); ``alive``
    (quiet, most): past the patience, waited on while the holder's session spoke to the database
    within ``quiet`` s (a worker at work, retrying), ``most`` s in all at most: given up, and the
    holder called stopped or hung, only once it has been silent longer (holders.held_note); without
    ``patience``, the holder judged by ``quiet`` after SAY_AFTER: said to be at work, waited for, or
    stopped or hung, and what to do (holders.waiting_note). A holder that speaks while it holds the
    lock (digest.daemon.speaking, as this one does once it has it) is judged by speaking.judged_by in
    place of ``quiet``, and a pass gives it up as stopped once it is silent longer, patience or not."""
    if store.dialect != POSTGRESQL:
        yield True
        return
    key = lock_key(duty)
    take = f"SELECT pg_try_advisory_lock(?) {MARK}"  # taken: speaking (digest.daemon.speaking)
    got = bool(store.db.execute(take, (key,)).fetchone()[0])
    started = beaten = time.monotonic()
    said = ""  # what a wait without patience said: "work" (the holder at work), "hung" (what to do)
    looked = 0.0
    spoke: set[int] = set()  # the holders seen speaking (a word of theirs their last statement)
    while wait and not got and not (stop is not None and stop.is_set()):
        waited = time.monotonic() - started
        if patience is not None and time.monotonic() - looked >= 1.0:  # looked at from the start
            holder, looked = next(iter(holders(store, (duty,))), None), time.monotonic()
            quiet, most = alive or (0.0, 0.0)
            silent = holder.silent if holder is not None else None
            if holder is not None and (holder.speaks or holder.pid in spoke):
                spoke.add(holder.pid)
                quiet = judged_by(quiet if alive else None)  # speaking: stopped sooner, not between words
            frozen = holder is not None and holder.pid in spoke and (silent is None or silent > quiet)
            judged = holder is not None and (silent is None or silent > quiet)  # None: let go meanwhile
            if frozen or (waited >= patience and (alive is None or judged or waited >= most)):
                judging = quiet if alive or holder is not None and holder.pid in spoke else None
                log.warning("%s", held_note(holder, duty, waited, silent, judging))
                break
        if patience is None and said != "hung" and waited >= SAY_AFTER and time.monotonic() - looked >= 1.0:
            said, looked = (
                _say_waiting(store, duty, waited, alive, said),
                time.monotonic(),
            )  # waits on: says so
        (stop or threading.Event()).wait(WAIT_POLL)  # the other's fetch or ingest: seconds, not the mail
        if beat is not None and time.monotonic() - beaten >= BEAT_EVERY:
            beat()
            beaten = time.monotonic()
        got = bool(store.db.execute(take, (key,)).fetchone()[0])
    if not got:
        log.debug("%s: another worker is at it; skipped", duty)
    try:
        quiet = max(alive[0] if alive else 0.0, INGEST_QUIET)  # a fetch reads its listing too
        with speaking(store, quiet) if got else contextlib.nullcontext():
            yield got
    finally:
        if got:
            store.db.execute("SELECT pg_advisory_unlock(?)", (key,))


def _say_waiting(store: Store, duty: str, waited: float, alive: tuple[float, float] | None, said: str) -> str:
    """A wait without patience (`digest send`) past SAY_AFTER: the holder judged by its signs of life
    (``alive``'s quiet; None: not judged, what to do said at once). At work: said so once, and looked
    at again (a worker that freezes later); silent longer, or not to be judged: what to do, once.
    What is said now ("work", "hung"; ``said`` as it was while there is nothing new to say)."""
    holder = next(iter(holders(store, (duty,))), None)
    if holder is None:  # let go meanwhile: the lock is taken at the next try
        return said
    quiet = alive[0] if alive is not None else None
    if holder.speaks:  # one that speaks: stopped once silent FROZEN_AFTER, if not sooner
        quiet = judged_by(quiet)
    silent = holder.silent if quiet is not None else None
    at_work = quiet is not None and silent is not None and silent <= quiet
    if not (at_work and said == "work"):
        log.warning("%s", waiting_note(holder, duty, waited, silent, quiet))
    return "work" if at_work else "hung"


# -- the workers table -------------------------------------------------------------------


FORGOTTEN = dt.timedelta(days=1)  # a worker not seen for this long leaves the table (at a pass)

# A worker is there (one to stand aside for, shown as running) while it was seen lately, or holds
# a lease it renews: a long pass (a big send) keeps its claims fresh between its heartbeats.
THERE = (
    "(seen_at >= ? OR id IN (SELECT claimed_by FROM reader_claims WHERE claimed_until >= ?) "
    "OR id IN (SELECT claimed_by FROM outbox WHERE status = 'queued' AND claimed_until >= ?))"
)


def there(now: dt.datetime, within: dt.timedelta, running: str | None = None) -> tuple[str, tuple[str, ...]]:
    """:data:`THERE` and its parameters: seen since ``now - within``, or a lease running at
    ``now``. ``running``: the one worker that may be there (SQLite, where one runs at a time:
    digest.daemon.agree.running_worker; "": none), None: any (PostgreSQL; a worker that wrote no id)."""
    args = (iso(now - within), iso(now), iso(now))
    return (f"({THERE})", args) if running is None else (f"(id = ? AND {THERE})", (running, *args))


@dataclass(frozen=True)
class Worker:
    id: str
    started_at: dt.datetime
    seen_at: dt.datetime
    holds: str  # what it was doing when last seen
    messages: int  # queued messages it holds (claimed, lease running)
    readers: int  # readers it holds
    there: bool = True  # seen lately, or holding a lease: False, killed, hung or failing before its heartbeat
    schema: int | None = SCHEMA_VERSION  # the schema its release understands (None: one before schema 32)

    @property
    def earlier(self) -> str:
        """Of a release before this one's schema, which ("": not): rows name theirs since schema 32."""
        theirs = "before schema 32" if self.schema is None else f"schema {self.schema}"
        return f"{theirs}; this one's is {SCHEMA_VERSION}" if (self.schema or 0) < SCHEMA_VERSION else ""


def heartbeat(
    store: Store,
    worker: str,
    started: dt.datetime,
    now: dt.datetime,
    holds: str = "",
    settings: str | None = None,
    *,
    keep_settings: bool = False,
) -> None:
    """``settings``: those the worker served the readers with at the pass it ends (None: it
    queued nothing, stood aside or failed: digest.daemon.agree); ``keep_settings``: those of its
    last pass kept (a pass starting). The rows of workers not seen for :data:`FORGOTTEN` go (a
    killed worker, or one of an older release that could not sign off after an upgrade)."""
    kept = "workers.settings" if keep_settings else "excluded.settings"
    with store.transaction() as db:
        db.execute("DELETE FROM workers WHERE seen_at < ? AND id <> ?", (iso(now - FORGOTTEN), worker))
        db.execute(
            "INSERT INTO workers (id, started_at, seen_at, holds, settings, schema_version) "
            "VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, holds = excluded.holds, "
            f"settings = {kept}, schema_version = excluded.schema_version",
            (worker, iso(started), iso(now), holds, settings, SCHEMA_VERSION),
        )


def touch(store: Store, worker: str, now: dt.datetime) -> None:
    """Seen again in the middle of a pass (between its steps: a slow fetch, a big ingest), so a
    pass longer than a lease does not look like a killed worker's; what it holds is unchanged."""
    with store.transaction() as db:
        db.execute("UPDATE workers SET seen_at = ? WHERE id = ?", (iso(now), worker))


def farewell(store: Store, worker: str) -> None:
    """A worker that ends (`run --once` done, the daemon stopped) is no longer one to show; a
    killed one stays, shown as not seen since, until it is :data:`FORGOTTEN`."""
    with store.transaction() as db:
        db.execute("DELETE FROM workers WHERE id = ?", (worker,))


def unsigned_note(worker: str, error: Exception, shared: bool = True) -> str:
    """A worker stopping that could not sign off (the database gone or refusing it): what it leaves,
    in `digest status`'s words (``shared``: PostgreSQL's; on SQLite the lock tells it stopped)."""
    return f"this worker ({worker}) could not sign off from the workers table ({error}): " + (
        '`digest status` lists it as not seen ("killed, hung or its machine gone?") for a day after its '
        "last pass; nothing waits for it (what it held goes to the others after a lease, as a killed "
        "worker's does)"
        if shared
        else '`digest status` lists it as stopped ("killed: it did not sign off") for a day after its last '
        "pass; nothing waits for it (the next daemon or `digest send` takes what it held at once)"
    )


def workers(store: Store, now: dt.datetime, within: dt.timedelta, running: str | None = None) -> list[Worker]:
    """The workers in the table (seen in the last :data:`FORGOTTEN`, and ``running``'s row however
    old: a daemon stuck in a pass holds its locks, and heartbeats no more), with what each holds
    now; ``there``: seen since ``now - within`` or holding a lease (``running``: as :func:`there`)."""
    sql, args = there(now, within, running)
    rows = store.db.execute(
        f"SELECT id, started_at, seen_at, holds, {sql}, schema_version FROM workers "
        "WHERE seen_at >= ? OR id = ? ORDER BY id",
        (*args, iso(now - FORGOTTEN), running or ""),
    ).fetchall()
    messages = dict(
        store.db.execute(
            "SELECT claimed_by, COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL AND status = 'queued' "
            "AND claimed_until >= ? GROUP BY claimed_by",
            (iso(now),),
        ).fetchall()
    )
    readers = dict(
        store.db.execute(
            "SELECT claimed_by, COUNT(*) FROM reader_claims WHERE claimed_by IS NOT NULL "
            "AND claimed_until >= ? GROUP BY claimed_by",
            (iso(now),),
        ).fetchall()
    )
    found = []
    for r in rows:  # there: by THERE, the very rule the agreement stands aside by
        held = int(messages.get(r[0], 0)), int(readers.get(r[0], 0))
        found.append(Worker(r[0], *map(dt.datetime.fromisoformat, r[1:3]), r[3], *held, bool(r[4]), r[5]))
    return found
