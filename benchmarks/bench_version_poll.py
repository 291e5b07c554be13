"""What an open page's poll (GET /u/<token>/version, every 1.5 s: digest/web/versions.py) costs
the server: the time of one answer through `digest serve`'s app (Flask's test client: no socket),
the median of ``--polls``, and of a Store opened alone, on SQLite and on PostgreSQL.

    python benchmarks/bench_version_poll.py [--polls 200] [--postgresql]

``--postgresql``: on a fresh database of the server the PG* variables name (``pg_virtualenv``),
dropped after. The reader has 20 ratings; the store a day's three listings of 100 papers.

Figures (2 CPUs shared with other work, noisy: the range of 3 runs, --polls 200, PostgreSQL 15 of
`pg_virtualenv -t` on localhost): with a Store opened per read (a poll opened two: the link's
reader, then the versions), PostgreSQL 14.7-33.4 ms a poll (a Store opened alone 5.7-14.8 ms: a
connection, its authentication, the schema's version read), about 1-2% of a CPU's time for each
open page (the server's and the database's work together, on one machine). With one Store held per
server process (digest/web/held.py): 0.9-2.0 ms a poll. SQLite, which still opens a Store per read
(a file's open, 0.35-0.45 ms): 1.7-2.0 ms a poll, before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)
from bench_latest_listing import build, database

from digest.config import load_config
from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

NOW = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)
SECRET = "bench-secret-0123456789abcdef0123"


def workspace(root: Path, db: Path | str) -> Path:
    """A config (base_url, a secret), ada's profile, a listing of 100 papers, 20 of them rated."""
    (root / "profiles").mkdir()
    (root / "inbox").mkdir()
    (root / "profiles" / "ada.yaml").write_text("email: ada@example.org\ninterests: [robotics]\n")
    config = root / "config.yaml"
    config.write_text(
        f"database: {db}\ninbox: inbox\nprofiles: profiles\nbase_url: http://127.0.0.1:8080\n"
        "web:\n  secret_env: BENCH_SECRET\n"
    )
    with build(db, 1) as store:  # a day's three listings of 100 papers
        for pid in range(1, 21):
            store.rate("ada", pid, 1, NOW)
    return config


def timed(work, times: int) -> float:
    """The median of ``times`` runs of ``work()``, in ms."""
    spent = []
    for _ in range(times):
        began = time.perf_counter()
        work()
        spent.append(time.perf_counter() - began)
    return statistics.median(spent) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--polls", type=int, default=200)
    ap.add_argument("--postgresql", action="store_true", help="on PostgreSQL (pg_virtualenv)")
    args = ap.parse_args()
    os.environ["BENCH_SECRET"] = SECRET
    with tempfile.TemporaryDirectory() as folder, database(args.postgresql) as db:
        root = Path(folder)
        config = load_config(workspace(root, db if args.postgresql else root / "digest.db"))
        signer = Signer.from_config(config)
        client = create_app(config, signer, lambda: NOW).test_client()
        url = f"/u/{signer.token('ada', NOW)}/version"

        def poll() -> None:
            answer = client.get(url)
            assert answer.status_code == 200, answer.get_data(as_text=True)

        poll()  # the first: the templates' stamps, psycopg imported
        per_poll = timed(poll, args.polls)
        opened = timed(lambda: Store(config.database).close(), args.polls)
    what = "PostgreSQL" if args.postgresql else "SQLite"
    share = per_poll / 1500 * 100  # a poll every 1.5 s
    print(f"{what}: a poll {per_poll:.2f} ms ({share:.2f}% of the time, per open page)", end="")
    print(f"; a Store opened {opened:.2f} ms")


if __name__ == "__main__":
    main()
