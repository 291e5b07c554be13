"""`digest send`: a reader whose period's digest another process queued while this send made its own.

Two `digest send` at once (two terminals), or a send beside the daemon's workers, on PostgreSQL (on
SQLite the run lock lets one in): both plan a new digest for a reader, the first to store it takes
the period (Outbox.add: period_digests), and the other's is not stored. The reader gets one digest;
the send that lost says what became of it in the reader's row, as it says a period done before it
planned (digest.daemon.already: "already sent today at 07:02", "already queued ...; held by
`digest send` ..., which sends it"), not as a log line of its outbox with no row for the reader."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from digest.daemon.already import describe_already, left_said, waiting_said
from digest.daemon.clocks import server_time
from digest.daemon.lease_holders import lease_holders
from digest.db import POSTGRESQL
from digest.deliver.outbox import Outbox, OutboxEntry
from digest.store import QUEUED, Store
from digest.store_chunks import in_chunks


def queued_by_others(
    store: Store,
    planned: Sequence[Any],  # sendnow.Planned (sendnow imports this module)
    ours: Iterable[str],
    seen: Iterable[str],
    now: dt.datetime,
    new: tuple[str, ...],
    already: str,
) -> tuple[list[Any], set[int]]:
    """``planned`` with each plan of an action among ``new`` (a new digest; nothing new, the papers
    taken by the other's digest stored while this send planned) whose reader has no outcome here
    (not in ``seen``) and whose planned period another's message took (period_digests: not in
    ``ours``, Message-IDs) turned ``already``, its note said as of now; and the ids of those
    messages (said in their rows, not logged again). A reader whose digest this send did not make,
    stopped first (Ctrl-C), is left as it is: their latest message is an earlier period's."""
    seen, ours = set(seen), set(ours)
    wanted = {p.profile.user: p.period for p in planned if p.action in new and p.profile.user not in seen}
    taken = _taken(store, wanted)
    latest = {
        u: e
        for u, e in Outbox(store).latest_entries(list(taken)).items()
        if e.message_id == taken[u] and e.message_id not in ours
    }
    if not latest:
        return list(planned), set()
    leases_at = server_time(store, now) if store.dialect == POSTGRESQL else None
    holding = lease_holders(store, (e.claimed_by for e in latest.values() if e.claimed_by))
    out: list[Any] = []
    for p in planned:
        entry = latest.get(p.profile.user) if p.action in new else None
        if entry is None:
            out.append(p)
            continue
        note = describe_already(p.profile, entry, entry.created_at, now, leases_at, holding)
        out.append(dataclasses.replace(p, action=already, note=note))
    return out, {e.id for e in latest.values()}


def _taken(store: Store, periods: dict[str, str]) -> dict[str, str]:
    """Each reader's message that took the period planned for them (``periods``), if one did."""
    found: dict[str, str] = {}
    users = list(periods)
    for chunk, marks in in_chunks(users):
        sql = f"SELECT user, period, message_id FROM period_digests WHERE user IN ({marks})"
        rows = store.db.execute(sql, chunk).fetchall()
        found.update((user, message_id) for user, period, message_id in rows if periods[user] == period)
    return found


def left_untried(
    planned: Sequence[Any],
    latest: dict[str, OutboxEntry],
    tried: set[str],
    held: set[int],
    now: dt.datetime,
    already: str,
) -> list[Any]:
    """``planned`` (sendnow.Planned), each ``already`` reader's period's digest this send found
    waiting and did not try (not among ``tried``, Message-IDs, nor ``held`` by another process, outbox
    ids: PostgreSQL, another worker deferred it again after this send's look) said as it is left: when
    it is retried ("deferred until ...: 451 ..."), not "waiting (`digest send` retries it)", said
    before the send (already.left_said)."""
    out = []
    for p in planned:
        entry = latest.get(p.profile.user)
        left = entry is not None and entry.message_id not in tried and entry.id not in held
        if p.action == already and left and entry.status == QUEUED:
            # the look's words: of one tried before, or of one never tried then (tried by the other since)
            looked = [waiting_said(e) for e in (entry, dataclasses.replace(entry, attempts=0))]
            if said := next((w for w in looked if p.note.endswith(f"; {w}")), None):
                p = dataclasses.replace(p, note=p.note[: -len(said)] + left_said(entry, now))
        out.append(p)
    return out
