"""Who holds a duty's advisory lock on PostgreSQL (digest.daemon.claims.singleton), for the line a
pass says when it gives up waiting for it and for `digest status`: a worker stopped (SIGSTOP) or a
connection left idle in a transaction holds it for good, and every pass waits its patience."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digest.daemon.speaking import FROZEN_AFTER, speaks
from digest.db import POSTGRESQL, lock_key
from digest.pggrants import sql_role
from digest.store import Store
from digest.worker_ids import session_worker

DUTIES = ("fetch", "ingest")  # the duties one worker at a time does (first.fetch_first, read_inbox)


@dataclass(frozen=True)
class Holder:
    """The PostgreSQL session holding a duty's lock, as pg_stat_activity shows it."""

    duty: str
    pid: int  # the server process of that session: pg_terminate_backend(pid) ends it
    application: str  # its application_name ("digest host:pid:token" for a digest worker)
    client: str  # its client's address ("local": a Unix socket)
    state: str  # "active", "idle", "idle in transaction", ...
    since: dt.datetime | None  # when it came to that state (its last statement's end, when idle)
    connected: dt.datetime | None  # when that session began: the lock is held since then at most
    shown: bool = True  # False: pg_stat_activity hides the session from this role (not its own)
    # seconds it had said nothing to the database when looked at, by the server's clock (0: running
    # a statement; None: not shown to this role)
    silent: float | None = None
    speaks: bool = False  # its last statement a word of digest.daemon.speaking's: it speaks while it holds
    listed: bool = False  # its application_name, "digest " after, a worker's id in the workers table

    def idle_for(self, now: dt.datetime) -> dt.timedelta | None:
        """How long it has done nothing while holding the lock (None: it is running a statement)."""
        if self.since is None or not self.state.startswith("idle"):
            return None
        return max(now - self.since, dt.timedelta(0))

    def describe(self) -> str:
        """'pid 4711 (application "digest h:12:ab", client 10.0.0.5, idle since 06:58:02 UTC,
        connected 06:50:00 UTC)'"""
        app = f'application "{self.application}"' if self.application else "no application name"
        worker = "" if self.listed else session_worker(self.application)  # listed: its name is its id
        if worker not in ("", self.application.removeprefix("digest ")):
            app += f", worker {worker}"  # its host's name not ASCII: in punycode in the application's
        if not self.shown:  # its client, state and times NULL to a role without pg_read_all_stats
            return f"pid {self.pid} ({app}; its client and state not shown to this role)"
        state = f"{self.state} since {_at(self.since)}" if self.since else self.state
        return f"pid {self.pid} ({app}, client {self.client}, {state}, connected {_at(self.connected)})"


def _at(moment: dt.datetime | None) -> str:
    return "?" if moment is None else f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def holders(store: Store, duties: tuple[str, ...] = DUTIES) -> list[Holder]:
    """The sessions holding these duties' locks (none on SQLite: the file lock, one worker). The
    bigint key of pg_advisory_lock is in pg_locks as classid (its high 32 bits), objid (its low)
    and objsubid 1. A session of another role shows its pid and application_name to a role
    without pg_read_all_stats, its client, state and times NULL (``shown`` False; its client
    not "local", which is a Unix socket's client_port -1). ``listed``: its application_name names a
    row of the workers table as it is (a host named in punycode, xn--bcher-kva: not read back as
    bücher, a worker the table does not have)."""
    if store.dialect != POSTGRESQL:
        return []
    keys = {((k := lock_key(d)) >> 32) & 0xFFFFFFFF: (k & 0xFFFFFFFF, d) for d in duties}
    rows = store.db.execute(
        "SELECT l.classid::bigint, l.objid::bigint, l.pid, a.application_name, "
        "CASE WHEN a.client_port = -1 THEN 'local' ELSE host(a.client_addr) END, a.state, "
        "a.state_change, a.backend_start, CASE WHEN a.state = 'active' THEN 0 ELSE "
        "EXTRACT(EPOCH FROM clock_timestamp() - a.state_change) END, a.query, "
        "EXISTS (SELECT 1 FROM workers w WHERE w.id = substr(a.application_name, 8)) "
        "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid <> pg_backend_pid() "
        "ORDER BY l.pid"
    ).fetchall()
    found = []
    for high, low, pid, app, client, state, since, connected, silent, query, listed in rows:
        if keys.get(high, (None,))[0] == low:
            duty = keys[high][1]
            shown = connected is not None  # backend_start: NULL only to a role it is hidden from
            quiet = None if silent is None else max(float(silent), 0.0)
            found.append(
                Holder(
                    duty,
                    pid,
                    app or "",
                    client or "?",
                    state or "?",
                    since,
                    connected,
                    shown,
                    quiet,
                    speaks(query),
                    bool(listed),
                )
            )
    return found


def _whose(holder: Holder | None) -> tuple[str, str]:
    """Who holds a lock, as a note says it (when PostgreSQL tells), and the statement that ends
    their session (PID to fill in when it does not)."""
    if holder is None:
        return "its holder not shown to this role", "SELECT pg_terminate_backend(PID)"
    return f"held by {holder.describe()}", f"SELECT pg_terminate_backend({holder.pid})"


def held_note(
    holder: Holder | None, duty: str, waited: float, silent: float | None = None, quiet: float | None = None
) -> str:
    """The warning of a pass that waited ``waited`` seconds for ``duty`` and gives up: who holds
    it (when PostgreSQL tells), and what to do. ``quiet``: the longest a worker at it is silent
    (None: not judged): a holder ``silent`` no longer is at work, and not to be ended."""
    who, kill = _whose(holder)
    if quiet is not None and silent is not None and silent <= quiet:
        longer = "than a fetch of every source may take" if duty == "fetch" else "(a pass's patience)"
        return (
            f'{duty}: another worker has held the "{duty}" lock for at least {waited:.0f} s ({who}) '
            f"and is at work (its session spoke to the database {silent:.0f} s ago); not waited for "
            f"longer {longer}, the pass goes on without it"
        )
    if quiet is not None and silent is not None:
        return (
            f'{duty}: another worker has held the "{duty}" lock for at least {waited:.0f} s ({who}), '
            f"silent for {silent:.0f} s, longer than a worker at it is ({quiet:.0f} s): it is stopped or "
            f"hung; the pass goes on without it. End that worker, or its session: {kill}"
        )
    return (
        f'{duty}: another worker has held the "{duty}" lock for at least {waited:.0f} s ({who}); '
        f"not waited for longer, the pass goes on without it. If that worker is stopped or hung, "
        f"end it, or its session: {kill}"
    )


def waiting_note(
    holder: Holder | None, duty: str, waited: float, silent: float | None = None, quiet: float | None = None
) -> str:
    """What a wait without patience (`digest send`) says once it has waited ``waited`` seconds for
    ``duty``: who holds it, that it waits on, and what to do if that worker is stopped. ``quiet``:
    the longest a worker at it is silent (None: not judged): a holder ``silent`` no longer is at
    work, waited for, and not to be ended; one silent longer is stopped or hung (as held_note)."""
    who, kill = _whose(holder)
    held = f'{duty}: waiting for another worker, which has held the "{duty}" lock for {waited:.0f} s ({who})'
    if quiet is not None and silent is not None and silent <= quiet:
        return (
            f"{held} and is at work (its session spoke to the database {silent:.0f} s ago); waiting for "
            "it to end, Ctrl-C gives the wait up"
        )
    if quiet is not None and silent is not None:
        return (
            f"{held}, silent for {silent:.0f} s, longer than a worker at it is ({quiet:.0f} s): it is "
            f"stopped or hung; Ctrl-C gives the wait up. End that worker, or its session: {kill}"
        )
    return (
        f"{held}; Ctrl-C gives the wait up. If that worker is stopped or hung, end it, or its session: {kill}"
    )


def long_held(store: Store, now: dt.datetime, patience: float) -> list[str]:
    """For `digest status`: each duty's lock whose session has done nothing for longer than
    ``patience`` (the longest a worker at it may be silent: digest.daemon.status's, a pass's
    patience or one try of a source and the wait before it, fetching.quiet_time, a worker at its
    fetch speaking to the database at each try made again): a frozen worker, an idle transaction.
    PostgreSQL keeps no time of an advisory lock's taking: a worker at its duty speaks to the
    database between its steps, so a long silence is the sign shown. ``now``: the server's clock."""
    lines = []
    for h in holders(store):
        if not h.shown:  # whether it is at work or stopped: not to be told from here
            role = store.db.execute("SELECT current_user").fetchone()[0]
            lines.append(
                f'"{h.duty}" lock held by {h.describe()}: whether that worker is at work or stopped '
                f"cannot be told from here; run `digest status` as the workers' role, or GRANT "
                f"pg_read_all_stats TO {sql_role(role)}"
            )
            continue
        idle, most = h.idle_for(now), min(patience, FROZEN_AFTER) if h.speaks else patience  # speaking
        if idle is not None and idle.total_seconds() > most:
            lines.append(
                f'"{h.duty}" lock held by {h.describe()}, silent for {idle.total_seconds():.0f} s '
                f"(more than the {most:.0f} s a worker at it may be): each pass waits for it, then "
                "goes on without; if that worker is stopped or hung, end it, or its session: "
                f"SELECT pg_terminate_backend({h.pid})"
            )
    return lines
