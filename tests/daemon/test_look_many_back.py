"""A look (digest.daemon.names.look) over many names at once: files back (their reader's address,
another, none known), files new, files gone, live ones left alone, writes each name down as a look
a name at a time did, a chunk of names at a time (digest.store_chunks): the rows of ``reader_names``
and ``reader_name_removals``, a removed reader's records moved aside, their unsubscribe dropped.

The names, on a fixed seed, cross several chunks: some differ only by case (``ann``, ``Ann``), some
need quoting (``o'neil``) or are not ASCII (``zé``: not a name a profile is read under, so its file
back is left for the next look), and messages are made ahead of the looking worker's clock.

Real parts: a SQLite or PostgreSQL database written as looks and passes wrote it (SQL, the outbox),
a real profiles folder."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest

from digest.daemon.archive import archived_name
from digest.daemon.names import look
from digest.deliver.outbox import Outbox
from digest.store import Store, iso

from conftest import Workspace

pytestmark = pytest.mark.backends

LOOKED = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)
EARLIER = "2026-01-10T09:00:00+00:00"  # a name's removal before its last one
KINDS = ("live", "new", "gone", "reader", "another", "heir", "unknown", "never")
SPECIAL = {"ann": "reader", "Ann": "another", "o'neil": "gone", "O'Neil": "new", "zé": "reader"}


def at(day: int, second: int = 0) -> str:
    return iso(dt.datetime(2026, 3, day, 7, 0, second, tzinfo=dt.UTC))


def mixed(ws: Workspace, seed: int = 60, many: int = 1300, kinds: tuple[str, ...] = KINDS) -> dict[str, dict]:
    """The names, each with its kind, its file's address (if it has a file), when its file was
    last found gone (if it was) and the messages made for it (address, made), written in."""
    rng = random.Random(seed)
    names = {f"r{i}" if rng.random() < 0.8 else f"R{i}": rng.choice(kinds) for i in range(many)}
    names.update(SPECIAL)
    plan: dict[str, dict] = {}
    old = dt.datetime.now().timestamp() - 3600  # written whole long ago
    with Store(ws.config.database) as store, store.transaction():
        outbox = Outbox(store)
        for n, (name, kind) in enumerate(names.items()):
            gone = (
                at(rng.randint(1, 14), rng.randint(0, 59))
                if kind in ("reader", "another", "heir", "unknown")
                else None
            )
            earlier = rng.random() < 0.3 and kind in ("reader", "another")
            mine, other = f"{name}@example.org", f"new-{name}@example.org"
            p = plan[name] = {"kind": kind, "gone": gone, "earlier": earlier, "messages": []}
            if kind != "gone":
                p["email"] = (mine.upper() if rng.random() < 0.3 else mine) if kind == "reader" else other
                path = ws.profile(name, f"email: {p['email']}\ninterests: [chips]\n")
                os.utime(path, (old, old))
            if kind in ("live", "gone"):
                store.db.execute("INSERT INTO reader_names (user, live) VALUES (?, 1)", (name,))
            elif kind != "new":
                store.db.execute(
                    "INSERT INTO reader_names (user, live, gone_at) VALUES (?, 0, ?)", (name, gone)
                )
            if earlier:
                store.db.execute(
                    "INSERT INTO reader_name_removals (user, gone_at, address) VALUES (?, ?, ?)",
                    (name, EARLIER, f"first-{name}@example.org"),
                )
            if gone:
                address = None if kind == "unknown" else mine
                store.db.execute(
                    "INSERT INTO reader_name_removals (user, gone_at, address) VALUES (?, ?, ?)",
                    (name, gone, address),
                )
            if kind in ("gone", "another", "heir") or rng.random() < 0.2:
                ahead = rng.random() < 0.4  # made by a worker ahead of the clock, or stored after the look
                made = LOOKED + dt.timedelta(seconds=30) if ahead else LOOKED - dt.timedelta(days=20)
                to = other if kind == "heir" else mine  # its records the newcomer's (an heir's)
                p["messages"].append((to, iso(made), f"<m{n}@example.org>"))
                outbox.enqueue(
                    user=name, recipient=to, message_id=f"<m{n}@example.org>", subject="digest",
                    mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=made,
                )  # fmt: skip
            if kind in ("another", "heir"):
                store.db.execute(
                    "INSERT INTO suppressions (user, recipient, reply, at, kind) VALUES (?, ?, ?, ?, ?)",
                    (name, mine, "unsubscribed", EARLIER, "unsubscribe"),
                )
    return plan


def tables(store: Store) -> dict[str, set[tuple]]:
    rows = {
        "names": "SELECT user, live, gone_at FROM reader_names",
        "removals": "SELECT user, gone_at, address FROM reader_name_removals",
        "outbox": "SELECT user, recipient, message_id FROM outbox",
        "suppressions": "SELECT user, recipient, kind FROM suppressions",
    }
    return {table: {tuple(row) for row in store.db.execute(sql).fetchall()} for table, sql in rows.items()}


def expected(plan: dict[str, dict]) -> dict[str, set[tuple]]:
    """What a look a name at a time wrote down (digest.daemon.names, before the chunks)."""
    want: dict[str, set[tuple]] = {"names": set(), "removals": set(), "outbox": set(), "suppressions": set()}
    looked = iso(LOOKED)
    for name, p in plan.items():
        kind, gone = p["kind"], p["gone"]
        first = {(name, EARLIER, f"first-{name}@example.org")} if p["earlier"] else set()
        newest = max((made for _, made, _ in p["messages"]), default="")
        ids = {(name, address, message_id) for address, _, message_id in p["messages"]}
        want["outbox"] |= ids
        if name == "zé":  # its file cannot be read: not back yet
            kind = "unread"
        if kind in ("live", "new"):
            want["names"].add((name, 1, None))
        elif kind == "gone":
            went = max(looked, newest)
            want["names"].add((name, 0, went))
            want["removals"].add((name, went, p["messages"][-1][0] if ids else None))
        elif kind == "unread":
            want["names"].add((name, 0, gone))
            want["removals"] |= first | {(name, gone, f"{name}@example.org")}
        elif kind == "reader":
            want["names"].add((name, 1, EARLIER if p["earlier"] else None))
            want["removals"] |= first
        elif kind == "never":
            want["names"].add((name, 1, None))
        else:  # another reader, or one whose removed reader's address is not known
            later = max(gone, newest)
            want["names"].add((name, 1, later))
            want["removals"] |= first | {(name, later, None)}
            if ids and kind != "heir":  # the removed reader's records, moved aside (their unsubscribe too)
                aside = archived_name(name, later)
                want["names"].add((aside, 0, later))
                want["outbox"] -= ids
                want["outbox"] |= {(aside, address, message_id) for _, address, message_id in ids}
                if kind == "another":
                    want["suppressions"].add((aside, f"{name}@example.org", "unsubscribe"))
    return want


def test_a_look_over_many_names_back_new_and_gone_writes_each_down_as_one_at_a_time(tmp_path, database):
    ws = Workspace(tmp_path, database=database)
    plan = mixed(ws)
    with Store(ws.config.database) as store:
        assert look(ws.config, store, LOOKED)
        got = tables(store)
    want = expected(plan)
    for table in want:
        assert got[table] == want[table], (table, sorted(got[table] ^ want[table])[:10])
    assert len({p["kind"] for p in plan.values()}) == len(KINDS)


@pytest.mark.sqlite_only
def test_a_look_over_many_names_back_or_new_asks_the_database_a_chunk_of_names_at_a_time(tmp_path):
    """Before, a statement a new name and three or more a name back (its row, its removals, their
    undoing): 65,536 readers' files back took 33 s on PostgreSQL, a round trip each (here 1,960
    statements). Now a few a chunk of 500 names (here 38; a new reader's records, moved aside, still
    one at a time). Counted by SQLite itself (sqlite3's trace callback: each statement the look ran)."""
    ws = Workspace(tmp_path)
    plan = mixed(ws, kinds=("live", "new", "reader", "gone"))
    with Store(ws.config.database) as store:
        ran: list[str] = []
        store.db.set_trace_callback(ran.append)
        assert look(ws.config, store, LOOKED)
        store.db.set_trace_callback(None)
        assert store.db.execute("SELECT COUNT(*) FROM reader_names WHERE live = 1").fetchone()[0] > 900
    assert sum(p["kind"] == "reader" for p in plan.values()) > 300
    assert len(ran) < 200, f"{len(ran)} statements"
