"""What a look (digest.daemon.names.look) costs when it finds many profile files gone at once.

    .venv/bin/python benchmarks/bench_look_gone.py                       # SQLite, 65,536 gone
    .venv/bin/python benchmarks/bench_look_gone.py --gone 10000
    .ci/pg .venv/bin/python benchmarks/bench_look_gone.py --database postgresql:///postgres

N readers' names written down live (their files there at the last look, as
tests/daemon/test_look_many_gone.py writes them), their files gone since, and one reader (ada)
left. Runs a real `digest send --user ada` process (against aiosmtpd on loopback), whose look
writes the N names down gone, and prints its wall time; then, in this process, the look alone
over N names again (filled anew) with the statements it sent the database (each execute, and
each row of an executemany, counted as one: a round trip each on PostgreSQL). ``--database``:
a PostgreSQL URL whose server a throwaway database is made on (and dropped) for each run.
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
from digest.store import Store

DUMP = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"
    "Mar 14\n\nNeuromorphic Chips\n\nAbout neuromorphic chips.\n"
)


def live(n: int) -> str:
    return f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
INSERT INTO reader_names (user, live) SELECT 'r' || i, 1 FROM n"""


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


def run(root: Path, database: str, gone: int) -> tuple[float, float, int, int]:
    """(seconds of `digest send --user ada`, seconds of the look alone, its statements, the names
    written down gone)."""
    with LocalSmtpServer() as smtp:
        config = workspace(root, database, smtp.port)
        digest(config, "ingest")
        with Store(database) as store, store.transaction():
            store.db.execute(live(gone))
        send = digest(config, "send", "--user", "ada")
    with Store(database) as store:
        with store.transaction():
            store.db.execute("DELETE FROM reader_name_removals")
            store.db.execute("DELETE FROM reader_names WHERE user <> 'ada'")
            store.db.execute(live(gone))
        store.db = counted = Counted(store.db)
        t = time.perf_counter()
        names.look(load_config(config), store, dt.datetime.now(dt.UTC))
        alone = time.perf_counter() - t
        written = store.db.execute("SELECT COUNT(*) FROM reader_names WHERE live = 0").fetchone()[0]
    return send, alone, counted.count, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gone", type=int, default=65536, help="profile files gone at once")
    parser.add_argument("--database", help="a PostgreSQL URL (its server's): else SQLite")
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
            send, alone, statements, written = run(Path(tmp), database, args.gone)
        finally:
            if admin is not None:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    kind = "PostgreSQL" if args.database else "SQLite"
    print(f"{args.gone} profile files gone at once, {kind}")
    print(f"  digest send --user ada: {send:.2f} s")
    print(f"  the look alone: {alone:.2f} s, {statements} statements, {written} names written down gone")


if __name__ == "__main__":
    main()
