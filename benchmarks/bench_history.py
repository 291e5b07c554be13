"""A year of digests: do `send --dry-run` and `status` cost the readers' history, or the day?

    python benchmarks/bench_history.py                       # 10,000 readers, 365 days of digests
    python benchmarks/bench_history.py --readers 1000 --days 30
    python benchmarks/bench_history.py --source /tmp/old     # another checkout's code (before/after)

Set-up (not timed), all through the code under test (``--source``, default this checkout), so
that the database has that code's schema: N generated readers' profiles; ``--days`` past days of
ten filler papers each (made-up titles, stored as rows); the shared dumps ingested (../shared
beside the checkout: today's papers, after the filler ones); and for every reader and past day
the digest they had: its outbox row with its bytes dropped (as retention leaves it), its
delivery, and its ten papers recorded as sent (``--sent-days``: the last that many days only,
36.5 million rows a year being slow to write). Every reader's next window is then today's papers.

Each command then runs in a process of its own, ``--runs`` times (the first warms the disk cache
and the profile cache); wall time and the child's peak RSS (getrusage) are printed per run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import dump_files

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DAY0 = "2025-03-01"


def setup(work: Path, readers: int, days: int, sent_days: int) -> None:
    (work / "profiles").mkdir(parents=True)
    interests = "interests:\n  language model: 2\n  diffusion: 1\n  agent: 1\n"
    for i in range(readers):
        profile = f"email: reader{i:06d}@example.org\n{interests}"
        (work / "profiles" / f"reader{i:06d}.yaml").write_text(profile, encoding="utf-8")
    (work / "config.yaml").write_text(
        "database: data/digest.db\ninbox: inbox\nprofiles: profiles\n"
        "smtp:\n  host: 127.0.0.1\n  port: 2525\n  from: Digest <digest@example.org>\n",
        encoding="utf-8",
    )
    (work / "data").mkdir()
    (work / "inbox").mkdir()
    for dump in dump_files(SHARED / "dumps", option=None):
        shutil.copy(dump, work / "inbox" / dump.name)
    # the schema, as the code under test makes it; the filler papers first (the smallest ids)
    made = f"from digest.store import Store\nStore({str(work / 'data' / 'digest.db')!r}).close()\n"
    subprocess.run([sys.executable, "-c", made], check=True, cwd=work, env=os.environ)  # not "" = here
    db = sqlite3.connect(work / "data" / "digest.db")
    with db:
        db.executemany(
            "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?,?)",
            (
                (n, f"filler {n}", f"Filler {n}", "Words of a past day.", DAY0, f"{DAY0}T00:00:00+00:00")
                for n in range(1, 10 * days + 1)
            ),
        )
    db.close()
    digest(work, "-q", "ingest")
    db = sqlite3.connect(work / "data" / "digest.db")
    with db:
        for d in range(days):
            at = (dt.datetime(2025, 3, 1, 7, tzinfo=dt.UTC) + dt.timedelta(days=d)).isoformat()
            papers = list(range(10 * d + 1, 10 * d + 11))
            users = [f"reader{i:06d}" for i in range(readers)]
            db.executemany(
                "INSERT INTO outbox (message_id, user, recipient, period, subject, mime, paper_ids, "
                "status, attempts, next_attempt_at, created_at, sent_at, through_paper) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    (f"<{d}.{u}@b>", u, f"{u}@example.org", f"d{d:04d}", "s", b"", json.dumps(papers),
                     "sent", 1, at, at, at, 10 * (d + 1))
                    for u in users
                ),
            )  # fmt: skip
            first = db.execute("SELECT COALESCE(MAX(id), 0) FROM deliveries").fetchone()[0] + 1
            db.executemany(
                "INSERT INTO deliveries (id, user, message_id, recipient, papers, sent_at) "
                "VALUES (?,?,?,?,?,?)",
                ((first + i, u, f"<{d}.{u}@b>", f"{u}@example.org", 10, at) for i, u in enumerate(users)),
            )
            if d >= days - sent_days:
                db.executemany(
                    "INSERT INTO sent_papers (user, paper_id, delivery_id) VALUES (?,?,?)",
                    ((u, p, first + i) for i, u in enumerate(users) for p in papers),
                )
        db.executemany(
            "INSERT INTO schedule_state (user, last_period, last_run_at) VALUES (?,?,?)",
            ((f"reader{i:06d}", "2026-02-28", "2026-02-28T07:00:00+00:00") for i in range(readers)),
        )
    db.close()


def digest(work: Path, *args: str) -> tuple[float, float]:
    """(wall s, peak RSS MB) of one `digest` command in its own process."""
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "digest", *args], cwd=work, stdout=subprocess.DEVNULL, env=os.environ
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"digest {' '.join(args)} failed (see its message above)")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--sent-days", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--source", type=Path, default=ROOT, help="the digest checkout to run")
    a = ap.parse_args()
    os.environ["PYTHONPATH"] = str(a.source.resolve())
    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        t0 = time.perf_counter()
        setup(work, a.readers, a.days, min(a.sent_days, a.days))
        size = (work / "data" / "digest.db").stat().st_size / 1e6
        print(
            f"{a.readers:,} readers, {a.days} days of digests ({a.readers * a.days:,} outbox rows and "
            f"deliveries, {a.readers * min(a.sent_days, a.days) * 10:,} sent papers), "
            f"database {size:.0f} MB; "
            f"code: {a.source}; set-up {time.perf_counter() - t0:.0f} s"
        )
        for args in (("send", "--dry-run"), ("status",)):
            runs = [digest(work, *args) for _ in range(a.runs)]
            shown = ", ".join(f"{w:.2f} s ({m:.0f} MB)" for w, m in runs)
            print(f"  digest {' '.join(args):<16} {shown}  [wall (peak RSS) per run]")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
