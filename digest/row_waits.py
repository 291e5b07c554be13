"""A write's wait for a row another PostgreSQL session holds, bounded as SQLite's busy timeout
bounds its wait for another writer (30 s), and said with who holds it.

PostgreSQL has no lock_timeout on digest's connections: a session-wide one would also end the
advisory-lock waits meant to last (a migration's MIGRATION_LOCK, the embedding lock,
Store.serialize). So the bound is set in the write's own transaction only (SET LOCAL), and kept
there to the operator's own lock_timeout where that is shorter (a role's or database's setting,
PGOPTIONS' -c lock_timeout=). digest.deliver.suppressions bounds a suppression's lift alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from digest.db import POSTGRESQL, shown
from digest.errors import StoreError

ROW_WAIT_MS = 30_000  # a row another session holds, waited for (SQLite's busy timeout: 30 s)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's sqlstate once lock_timeout ended a wait


def bound_the_wait(store: Any) -> int:
    """In a transaction of ``store``'s, on PostgreSQL: a row another session holds is waited for
    ROW_WAIT_MS at most (or the session's own shorter lock_timeout), in this transaction only.
    Returns the wait in milliseconds (0 on SQLite, whose busy timeout bounds it already)."""
    if store.dialect != POSTGRESQL:
        return 0
    own = int(store.db.execute("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'").fetchone()[0])
    waited = min(own, ROW_WAIT_MS) if own > 0 else ROW_WAIT_MS  # 0: no bound of theirs
    store.db.execute(f"SET LOCAL lock_timeout = {waited}")
    return waited


def gave_up(
    store: Any,
    e: BaseException,
    what: str,
    waited_ms: int,
    table: str,
    where: str,
    args: tuple,
    unchanged: str = "nothing was changed",
) -> StoreError | None:
    """``e`` as said to the user if it is a bounded wait for ``what`` (the rows of ``table``
    ``where`` says) ended (its transaction rolled back), else None. ``unchanged``: what the command
    left as it was (by default nothing of it changed: a command whose only write this was)."""
    if getattr(e, "sqlstate", None) != LOCK_NOT_AVAILABLE:
        return None
    return StoreError(
        f"{shown(store.path)}: {what} stayed locked by another session for {waited_ms / 1000:g} s "
        f"({holders(store, table, where, args)}); {unchanged}: wait for it to end its "
        f"transaction (commit or roll back) and try again ({str(e).splitlines()[0]})"
    )


def holders(store: Any, table: str, where: str, args: tuple) -> str:
    """The sessions whose transaction holds the rows of ``table`` that ``where`` selects, as
    pg_stat_activity says them: the one whose transaction id a row's xmax is (a FOR UPDATE or FOR
    SHARE of one session, an UPDATE or DELETE not yet ended), or, none being, the members of the
    multixact it is (several sessions holding it FOR SHARE, or FOR KEY SHARE beside an update); not
    the others that merely read the table or hold other rows."""
    held = f"SELECT xmax FROM {table} WHERE {where}"
    rows = _sessions(store, held, args)
    if not rows:  # not one transaction's id: a multixact's (asked only then: it reads any number as one)
        rows = _sessions(store, f"SELECT (pg_get_multixact_members(x.xmax)).xid FROM ({held}) x", args)
    if not rows:
        return "a session that may have ended since"
    said = [
        f"pid {pid}{f', application {name!r}' if name else ''}, {state} since "
        f"{since.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
        for pid, name, state, since in rows
    ]
    return "held by " + "; ".join(said)


def _sessions(store: Any, held: str, args: tuple) -> list[tuple]:
    """pid, application_name, state, state_change of the other sessions running a transaction
    whose id ``held`` (a query of ``args``) gives; [] if not known."""
    try:
        return store.db.execute(
            "SELECT a.pid, a.application_name, a.state, a.state_change FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted"
            f" AND a.pid <> pg_backend_pid() AND l.transactionid IN (SELECT x FROM ({held}) h(x))"
            " ORDER BY a.pid",
            args,
        ).fetchall()
    except Exception:  # noqa: BLE001 - not known who: said so
        return []
