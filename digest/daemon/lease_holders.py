"""Who holds a queued message's lease (PostgreSQL), for `digest send`'s line of a reader whose
digest another process holds: a process still connected to the database, or one gone (killed, its
machine down: its session ended with it), whose message waits for its lease to end; a worker
(`digest run`, a row of the workers table from its first pass on) or a `digest send`, which has
none. Every digest process names its sessions after its id (digest.worker_ids.session_name), which
pg_stat_activity shows to every role; unless the URL's application_name or PGAPPNAME names them
(digest.db keeps that name): then a holder's session cannot be found, and whether it is connected
is not said (``connected`` None), rather than every holder called gone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.db import POSTGRESQL
from digest.store import QUEUED, Store, iso
from digest.store_chunks import in_chunks
from digest.worker_ids import session_name, worker_id


@dataclass(frozen=True)
class LeaseHolder:
    id: str  # host:pid:token (digest.worker_ids.worker_id)
    connected: bool | None  # a session of it on this database now: False, gone; None, not told
    worker: bool = True  # a worker's (`digest run`: in the workers table); False, a `digest send`'s

    @property
    def kind(self) -> str:
        return "worker" if self.worker else "`digest send`"


def lease_holders(store: Store, ids: Iterable[str]) -> dict[str, LeaseHolder]:
    """Each of these ids (those holding messages) as it is now; {} on SQLite (one process at a time)."""
    ids = sorted(set(ids))
    if store.dialect != POSTGRESQL or not ids:
        return {}
    names = {session_name(i): i for i in ids if i.count(":") >= 2}  # host:pid:token; another, not told
    own = store.db.execute("SELECT current_setting('application_name')").fetchone()[0]
    if own != session_name(worker_id()) or not names:  # sessions named by the URL or PGAPPNAME
        return {i: LeaseHolder(i, None, i in _workers(store, ids)) for i in ids}
    rows = store.db.execute(
        "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() "
        f"AND application_name IN ({','.join('?' * len(names))})",
        tuple(names),
    ).fetchall()
    connected = {names[r[0]] for r in rows}
    workers = _workers(store, ids)
    told = set(names.values())
    return {i: LeaseHolder(i, (i in connected) if i in told else None, i in workers) for i in ids}


def _workers(store: Store, ids: list[str]) -> set[str]:
    listed = store.db.execute(f"SELECT id FROM workers WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))
    return {r[0] for r in listed.fetchall()}


@dataclass(frozen=True)
class Held:
    """A queued message another process holds, its lease running."""

    id: int
    user: str
    recipient: str
    created_at: dt.datetime
    holder: LeaseHolder
    until: dt.datetime


def held_by_others(store: Store, users: Sequence[str], me: str, at: dt.datetime) -> list[Held]:
    """The queued messages of ``users`` held at ``at`` (the server's clock) by another process than
    ``me``, as a `digest send` leaves them (deliver_due claims only what is free); [] on SQLite."""
    if store.dialect != POSTGRESQL or not users:
        return []
    rows = []
    for chunk, marks in in_chunks(users):
        rows += store.db.execute(
            "SELECT id, user, recipient, created_at, claimed_by, claimed_until FROM outbox WHERE status = ? "
            "AND claimed_by IS NOT NULL AND claimed_by <> ? AND claimed_until >= ? "
            f"AND user IN ({marks}) ORDER BY id",
            (QUEUED, me, iso(at), *chunk),
        ).fetchall()
    found = lease_holders(store, (r[4] for r in rows))
    return [Held(r[0], r[1], r[2], _time(r[3]), found[r[4]], _time(r[5])) for r in rows]


def held_note(held: Held, now: dt.datetime) -> str:
    """What `digest send` says of a message it leaves to its holder: who holds it, until when."""
    who = f"{held.user} <{held.recipient}>: the digest queued {utc_at(held.created_at, now)} is held by"
    if held.holder.connected is None:
        return f"{who} {held.holder.kind} {held.holder.id} {unknown(held.until, now)}"
    if not held.holder.connected:
        return (
            f"{who} {held.holder.kind} {held.holder.id}, which is gone (no session of it on the database: "
            "killed, or its machine down); another worker or `digest send` sends it once its lease ends "
            f"{utc_at(held.until, now)}"
        )
    return (
        f"{who} {held.holder.kind} {held.holder.id}, which sends it (its lease ends "
        f"{utc_at(held.until, now)}; then another worker or `digest send` does)"
    )


def unknown(until: dt.datetime, now: dt.datetime) -> str:
    """Of a holder whose session cannot be found (sessions named by the URL or PGAPPNAME)."""
    return (
        f"until its lease ends {utc_at(until, now)}; then another worker or `digest send` sends it (whether "
        "that process is still at work is not told: this database's sessions are named by the URL's "
        "application_name or PGAPPNAME, not by digest)"
    )


def utc_at(moment: dt.datetime, now: dt.datetime) -> str:
    """'at 17:30:33 UTC', or 'on Sun 2026-12-06 at 00:00:33 UTC' when that is not today (UTC)."""
    utc = moment.astimezone(dt.UTC)
    day = "" if utc.date() == now.astimezone(dt.UTC).date() else f"on {utc:%a %Y-%m-%d} "
    return f"{day}at {utc:%H:%M:%S} UTC"


def _time(value: dt.datetime | str) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
