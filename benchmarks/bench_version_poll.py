"""What an open page's poll (GET /u/<token>/version, every 1.5 s: digest/web/versions.py) costs
the server: the time of one answer through `digest serve`'s app (Flask's test client: no socket),
the median of ``--polls``, and of a Store opened alone, on SQLite and on PostgreSQL.

    python benchmarks/bench_version_poll.py [--polls 200] [--postgresql]

``--postgresql``: on a fresh database of the server the PG* variables name (``pg_virtualenv``),
dropped after. The reader's profile is a real one's size (:data:`PROFILE`: 30 interests, weighted
and commented, 8 exclusions, 0.9 KB), whose YAML a poll parsed each time before the parse was kept
(digest/web/versions.py, readable); the reader has 20 ratings; the store a day's three listings of
100 papers.

Figures (2 CPUs shared with other work, noisy: the range of 3 runs, --polls 200, PostgreSQL 15 of
`pg_virtualenv -t` on localhost): with a Store opened per read (a poll opened two: the link's
reader, then the versions), PostgreSQL 14.7-33.4 ms a poll (a Store opened alone 5.7-14.8 ms: a
connection, its authentication, the schema's version read), about 1-2% of a CPU's time for each
open page (the server's and the database's work together, on one machine). With one Store held per
server process (digest/web/held.py): 0.9-2.0 ms a poll. SQLite, which still opens a Store per read
(a file's open, 0.35-0.45 ms): 1.7-2.0 ms a poll, before and after (a two-line profile then).

The profile's parse kept between polls (digest/web/versions.py, readable), SQLite, this profile,
the same busy machine (load 5-7 on 2 CPUs: wall times of 7-15 ms, too noisy; the CPU's range of 3
runs each, --polls 300, alternated): parsed at every poll 3.6-4.9 ms of CPU a poll; kept 2.7-2.9 ms
(a two-line profile, kept: 2.8-3.6 ms, the noise of the machine).
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
INTERESTS = (
    "robotics", "robot learning", "reinforcement learning", "imitation learning", "motion planning",
    "grasping", "manipulation", "legged locomotion", "sim-to-real", "world models", "diffusion policy",
    "vision-language-action", "tactile sensing", "slam", "visual odometry", "multi-agent systems",
    "humanoid robots", "trajectory optimization", "model predictive control", "safe exploration",
    "offline reinforcement learning", "reward learning", "embodied ai", "navigation", "object pose",
    "point clouds", "affordances", "dexterous hands", "autonomous driving", "drones",
)  # fmt: skip
EXCLUDED = ("medical", "clinical", "protein", "drug discovery", "finance", "stock", "legal", "music")
PROFILE = (
    "# Ada's digest: robot learning, mostly manipulation\nname: Ada Lovelace\nemail: ada@example.org\n"
    'timezone: Europe/London\nsend_at: "07:30"\nmax_papers: 10\ninterests:\n'
    + "".join(
        f"  {k}: {3 - i % 3}{'   # the main topic' if i == 0 else ''}\n" for i, k in enumerate(INTERESTS)
    )
    + "exclude:\n"
    + "".join(f"  - {e}\n" for e in EXCLUDED)
)


def workspace(root: Path, db: Path | str) -> Path:
    """A config (base_url, a secret), ada's profile, a listing of 100 papers, 20 of them rated."""
    (root / "profiles").mkdir()
    (root / "inbox").mkdir()
    (root / "profiles" / "ada.yaml").write_text(PROFILE)
    config = root / "config.yaml"
    config.write_text(
        f"database: {db}\ninbox: inbox\nprofiles: profiles\nbase_url: http://127.0.0.1:8080\n"
        "web:\n  secret_env: BENCH_SECRET\n"
    )
    with build(db, 1) as store:  # a day's three listings of 100 papers
        for pid in range(1, 21):
            store.rate("ada", pid, 1, NOW)
    return config


def timed(work, times: int, clock=time.perf_counter) -> float:  # noqa: ANN001
    """The median of ``times`` runs of ``work()`` on ``clock``, in ms."""
    spent = []
    for _ in range(times):
        began = clock()
        work()
        spent.append(clock() - began)
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
            assert answer.status_code == 200 and "unreadable" not in answer.get_json(), answer.get_data(
                as_text=True
            )

        poll()  # the first: the templates' stamps, psycopg imported
        per_poll = timed(poll, args.polls)
        cpu = timed(poll, args.polls, time.process_time)  # this process's alone: steadier on a busy machine
        opened = timed(lambda: Store(config.database).close(), args.polls)
    what = "PostgreSQL" if args.postgresql else "SQLite"
    share = per_poll / 1500 * 100  # a poll every 1.5 s
    print(
        f"{what}: a poll {per_poll:.2f} ms ({share:.2f}% of the time, per open page), {cpu:.2f} ms of CPU",
        end="",
    )
    print(f"; a Store opened {opened:.2f} ms")


if __name__ == "__main__":
    main()
