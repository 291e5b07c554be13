"""Who holds a queued message's lease (PostgreSQL), for `digest send`'s line of a reader whose
digest another process holds: a process still connected to the database, or one gone (killed, its
machine down: its session ended with it), whose message waits for its lease to end; a worker
(`digest run`, a row of the workers table from its first pass on) or a `digest send`, which has
none. Every digest process names its sessions after its id (digest.db.session_name), which
pg_stat_activity shows to every role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from digest.db import POSTGRESQL, session_name
from digest.store import Store


@dataclass(frozen=True)
class LeaseHolder:
    id: str  # host:pid:token (digest.db.worker_id)
    connected: bool  # a session of it on this database now: False, the process is gone
    worker: bool = True  # a worker's (`digest run`: in the workers table); False, a `digest send`'s

    @property
    def kind(self) -> str:
        return "worker" if self.worker else "`digest send`"


def lease_holders(store: Store, ids: Iterable[str]) -> dict[str, LeaseHolder]:
    """Each of these ids (those holding messages) as it is now; {} on SQLite (one process at a time)."""
    ids = sorted(set(ids))
    if store.dialect != POSTGRESQL or not ids:
        return {}
    names = {session_name(i): i for i in ids}
    rows = store.db.execute(
        "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() "
        f"AND application_name IN ({','.join('?' * len(names))})",
        tuple(names),
    ).fetchall()
    connected = {names[r[0]] for r in rows}
    listed = store.db.execute(f"SELECT id FROM workers WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))
    workers = {r[0] for r in listed.fetchall()}
    return {i: LeaseHolder(i, i in connected, i in workers) for i in ids}
