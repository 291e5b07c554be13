"""What a look (digest.daemon.names.look) costs when it finds many profile files gone at once (or back,
or new).

    .venv/bin/python benchmarks/bench_look_gone.py                       # SQLite, 65,536 gone
    .venv/bin/python benchmarks/bench_look_gone.py --gone 10000
    .venv/bin/python benchmarks/bench_look_gone.py --kind back           # or new
    .ci/pg .venv/bin/python benchmarks/bench_look_gone.py --database postgresql:///postgres

N readers' names written down live (their files there at the last look, as
tests/daemon/test_look_many_gone.py writes them), their files gone since, and one reader (ada)
left. Runs a real `digest send --user ada` process (against aiosmtpd on loopback), whose look
writes the N names down gone, and prints its wall time; then, in this process, the look alone
over N names again (filled anew) with the statements it sent the database (each execute, and
each row of an executemany, counted as one: a round trip each on PostgreSQL). ``--database``:
a PostgreSQL URL whose server a throwaway database is made on (and dropped) for each run.

``--kind back``: the N names written down gone instead (a removal each, with its reader's address),
their files back with that address (written an hour ago): the look alone undoes the N removals.
``--kind new``: N files never written down: the look alone writes them down live.
``--read`` (back): the look as a pass makes it, after the pass read the profiles (its scan:
digest.profiles.load.read_profiles, timed apart); and a real `digest run --once` process over the
N files back, its wall time printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)

from digest.config import load_config
from digest.daemon import names
from digest.demo.smtp_server import LocalSmtpServer
from digest.profiles.load import read_profiles
from digest.store import Store

DUMP = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"
    "Mar 14\n\nNeuromorphic Chips\n\nAbout neuromorphic chips.\n"
)


GONE_AT = "2026-03-01T00:00:00+00:00"


def numbered(n: int, insert: str) -> str:
    return f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
{insert} FROM n"""


def live(n: int) -> str:
    return numbered(n, "INSERT INTO reader_names (user, live) SELECT 'r' || i, 1")


def fill(store: Store, profiles: Path, kind: str, n: int) -> None:
    """The N names as a look before left them, and their files (``kind``: see the module)."""
    with store.transaction():
        if kind == "gone":
            store.db.execute(live(n))
        elif kind == "back":
            store.db.execute(
                numbered(n, f"INSERT INTO reader_names (user, live, gone_at) SELECT 'r' || i, 0, '{GONE_AT}'")
            )
            store.db.execute(
                numbered(
                    n,
                    "INSERT INTO reader_name_removals (user, gone_at, address) "
                    f"SELECT 'r' || i, '{GONE_AT}', 'r' || i || '@example.org'",
                )
            )
    if kind != "gone":
        an_hour_ago = time.time() - 3600
        for i in range(1, n + 1):
            path = profiles / f"r{i}.yaml"
            path.write_text(f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
            os.utime(path, (an_hour_ago, an_hour_ago))


class Counted:
    """A connection's execute and executemany, counted (the rest passed on)."""

    def __init__(self, db: object) -> None:
        self.db, self.count = db, 0

    def execute(self, sql, params=()):  # noqa: ANN001, ANN201 - the connection's own
        self.count += 1
        return self.db.execute(sql, params)

    def executemany(self, sql, rows):  # noqa: ANN001, ANN201
        rows = list(rows)
        self.count += len(rows)
        return self.db.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[Counted]:  # PostgreSQL's (the store's yields the connection)
        with self.db.transaction():  # type: ignore[attr-defined]
            yield self

    def __getattr__(self, name: str) -> object:
        return getattr(self.db, name)


def workspace(root: Path, database: str, port: int) -> Path:
    (root / "inbox").mkdir()
    (root / "profiles").mkdir()
    (root / "profiles" / "ada.yaml").write_text("email: ada@example.org\ninterests: [neuromorphic]\n")
    dump = root / "inbox" / "day.txt"
    dump.write_text(DUMP)
    an_hour_ago = time.time() - 3600
    os.utime(dump, (an_hour_ago, an_hour_ago))
    config = root / "config.yaml"
    config.write_text(
        f"database: {database}\ninbox: inbox\nprofiles: profiles\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  from: Research digest <digest@example.org>\n"
    )
    return config


def digest(config: Path, *args: str) -> float:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(config), *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"digest {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return time.perf_counter() - t


def undo_back(database: str, n: int) -> None:
    """The N names as :func:`fill` writes them for ``back`` again, after a run took them back."""
    with Store(database) as store, store.transaction():
        store.db.execute("DELETE FROM reader_name_removals")
        store.db.execute("DELETE FROM reader_names WHERE user <> 'ada'")


def run(
    root: Path, database: str, kind: str, n: int, read: bool = False
) -> tuple[float | None, float, int, int, float | None]:
    """(seconds of `digest send --user ada` (gone) or `digest run --once` (back, ``read``), seconds
    of the look alone, its statements, the names written down gone, or live; seconds of the
    profiles' reading before it (``read``))."""
    send = reading = None
    with LocalSmtpServer() as smtp:
        config = workspace(root, database, smtp.port)
        digest(config, "ingest")
        if kind == "gone":
            with Store(database) as store, store.transaction():
                store.db.execute(live(n))
            send = digest(config, "send", "--user", "ada")
            with Store(database) as store, store.transaction():
                store.db.execute("DELETE FROM reader_name_removals")
                store.db.execute("DELETE FROM reader_names WHERE user <> 'ada'")
    if kind == "back" and read:
        with Store(database) as store:
            fill(store, root / "profiles", kind, n)
        send = digest(config, "run", "--once")
        undo_back(database, n)
    with Store(database) as store:
        fill(store, root / "profiles", kind, n)
        loaded = load_config(config)
        if read:  # as a pass's scan reads them before its look, the files back settled (2 s old)
            time.sleep(2.1)
            t = time.perf_counter()
            read_profiles(loaded)
            reading = time.perf_counter() - t
        store.db = counted = Counted(store.db)
        t = time.perf_counter()
        names.look(loaded, store, dt.datetime.now(dt.UTC))
        alone = time.perf_counter() - t
        sql = f"SELECT COUNT(*) FROM reader_names WHERE live = {0 if kind == 'gone' else 1} AND user <> 'ada'"
        written = store.db.execute(sql).fetchone()[0]
        if kind == "back":
            left = store.db.execute("SELECT COUNT(*) FROM reader_name_removals").fetchone()[0]
            assert left == 0, f"{left} removals not undone"
    return send, alone, counted.count, written, reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gone", type=int, default=65536, help="profile files gone (back, new) at once")
    parser.add_argument("--kind", choices=("gone", "back", "new"), default="gone", help="what the look finds")
    parser.add_argument("--database", help="a PostgreSQL URL (its server's): else SQLite")
    parser.add_argument("--read", action="store_true", help="the profiles read first, as a pass does")
    args = parser.parse_args()
    admin = None
    with tempfile.TemporaryDirectory() as tmp:
        database = str(Path(tmp) / "digest.db")
        if args.database:
            import psycopg

            name = f"bench_look_{uuid.uuid4().hex[:8]}"
            admin = psycopg.connect(args.database, autocommit=True)
            admin.execute(f"CREATE DATABASE {name}")
            database = f"{args.database.rsplit('/', 1)[0]}/{name}"
        try:
            send, alone, statements, written, reading = run(
                Path(tmp), database, args.kind, args.gone, args.read
            )
        finally:
            if admin is not None:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    kind = "PostgreSQL" if args.database else "SQLite"
    print(f"{args.gone} profile files {args.kind} at once, {kind}")
    if send is not None:
        print(f"  digest {'send --user ada' if args.kind == 'gone' else 'run --once'}: {send:.2f} s")
    if reading is not None:
        print(f"  the profiles read first (a pass's scan): {reading:.2f} s")
    state = "gone" if args.kind == "gone" else "live"
    print(f"  the look alone: {alone:.2f} s, {statements} statements, {written} names written down {state}")


if __name__ == "__main__":
    main()
