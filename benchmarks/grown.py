"""A grown installation for the benchmarks: a year of daily papers, readers with two years of
history, some ratings, renamed and removed readers (used by bench_grown.py).

Built once into a folder, by the code of the oldest checkout to be compared (its schema); a
newer checkout migrates a copy of the database when it first opens it. What is made:

* ``dumps/``: ``days`` synthetic daily listings of ``per_day`` papers (bench_archive's generator:
  titles and sentences of the shared dumps recombined at run time, nothing of them kept), the
  last one held back in ``spare/`` as the day's new dump; the others ingested.
* ``profiles/``: ``readers`` profiles r0000... (2 to 5 interests), all sending at ``send_at``.
* in the database, written directly: every reader's ``history`` days of digests (outbox rows with
  their bytes dropped, as retention leaves them, and deliveries), the papers of the last
  ``sent_days`` of them recorded as sent, a quarter of the readers with 30 ratings each, and
  ``removed`` readers (g0000...) with the same history and no profile file. ``renamed`` of the
  readers got their history by a rename (g-names of their own kept in ``reader_renames``, for
  schema 17 and later: added by :func:`mark_names` once the database has those tables).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench_archive import VOCABULARY, write_dumps


def run(source: Path, work: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(source), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "digest", "-q", "--config", "config.yaml", *args], cwd=work,
                   env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def config_text(send_at: dt.time) -> str:
    return (
        "database: digest.db\ninbox: inbox\nprofiles: profiles\nbase_url: http://127.0.0.1:8765\n"
        "web:\n  secret_env: BENCH_SECRET\n"
        "scheduler:\n  settle_seconds: 0\n"
        "smtp:\n  from: Research digest <digest@example.org>\n"
        "delivery:\n  transport: file\n  dir: outbox-files\n"
        f'send_at: "{send_at:%H:%M}"\n'
    )


def build(work: Path, source: Path, *, days: int, per_day: int, readers: int, history: int,
          sent_days: int, removed: int, renamed: int, now: dt.datetime,
          shared: list[Path] | None = None) -> None:  # fmt: skip
    """``shared``: the dump files whose text is recombined (default: ../shared/dumps, checked).
    At least two days: the last one's listing is kept aside, as the day's new one."""
    if days < 2:  # one day: nothing ingested, nothing to give the readers' history
        raise SystemExit(f"{days} day(s) of listings: at least 2 are needed (the last is the day's new one)")
    os.environ.setdefault("BENCH_SECRET", "bench-secret-bench-secret-bench-secret")
    today = now.date()
    dumps = write_dumps(work / "dumps", [today - dt.timedelta(days=days - 1 - k) for k in range(days)],
                        per_day, seed=7, shared=shared)  # fmt: skip
    (work / "spare").mkdir()
    os.replace(dumps[-1], work / "spare" / dumps[-1].name)
    (work / "inbox").mkdir()
    (work / "profiles").mkdir()
    rng = random.Random(11)
    for i in range(readers):
        lines = "".join(f"  - {p}\n" for p in rng.sample(VOCABULARY, rng.randint(2, 5)))
        (work / "profiles" / f"r{i:04d}.yaml").write_text(
            f"email: r{i:04d}@example.org\nmax_papers: 10\ninterests:\n{lines}", "utf-8"
        )
    (work / "config.yaml").write_text(config_text((now - dt.timedelta(minutes=2)).time()), "utf-8")
    run(source, work, "ingest", *map(str, dumps[:-1]))
    db = sqlite3.connect(work / "digest.db")
    with db:
        by_day = db.execute(
            "SELECT l.day, MIN(lp.paper_id), MAX(lp.paper_id) FROM listings l "
            "JOIN listing_papers lp ON lp.listing_id = l.id GROUP BY l.day ORDER BY l.day"
        ).fetchall()
        users = [f"r{i:04d}" for i in range(readers)] + [f"g{i:04d}" for i in range(removed)]
        last = dt.datetime.combine(today - dt.timedelta(days=1), (now - dt.timedelta(minutes=2)).time(),
                                   tzinfo=dt.UTC)  # fmt: skip
        delivery = 0
        for h in range(history):
            at = (last - dt.timedelta(days=history - 1 - h)).isoformat()
            day, low, high = by_day[max(0, len(by_day) - history + h) % len(by_day)]
            papers = list(range(low, low + 10))
            through = high if h >= history - len(by_day) else 0
            db.executemany(
                "INSERT INTO outbox (message_id, user, recipient, period, subject, mime, paper_ids, "
                "status, attempts, next_attempt_at, created_at, sent_at, through_paper) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                ((f"<{h}.{u}@b>", u, f"{u}@example.org", at[:10], "s", b"", json.dumps(papers), "sent", 1,
                  at, at, at, through) for u in users),
            )  # fmt: skip
            db.executemany(
                "INSERT INTO deliveries (id, user, message_id, recipient, papers, sent_at) "
                "VALUES (?,?,?,?,?,?)",
                ((delivery + k + 1, u, f"<{h}.{u}@b>", f"{u}@example.org", 10, at)
                 for k, u in enumerate(users)),
            )  # fmt: skip
            if h >= history - sent_days:
                db.executemany(
                    "INSERT OR IGNORE INTO sent_papers (user, paper_id, delivery_id) VALUES (?,?,?)",
                    ((u, p, delivery + k + 1) for k, u in enumerate(users) for p in papers),
                )
            delivery += len(users)
        db.executemany(
            "INSERT INTO schedule_state (user, last_period, last_run_at) VALUES (?,?,?)",
            ((u, last.date().isoformat(), last.isoformat()) for u in users),
        )
        rated = users[:readers:4]
        rows = []
        for u in rated:
            ids = [p for (p,) in db.execute("SELECT paper_id FROM sent_papers WHERE user = ? LIMIT 30", (u,))]
            rows += [(u, p, 1 if k % 5 == 0 else -1, last.isoformat()) for k, p in enumerate(ids)]
        db.executemany("INSERT INTO ratings (user, paper_id, rating, rated_at) VALUES (?,?,?,?)", rows)
    db.close()
    (work / "built").write_text(
        json.dumps({"readers": readers, "renamed": renamed, "removed": removed, "now": now.isoformat()})
    )


def mark_names(database: Path, readers: int, removed: int, renamed: int, now: dt.datetime) -> None:
    """For a schema with reader_names and reader_renames (19): the files seen by earlier passes
    (every reader's live, the removed readers' gone a week ago) and the renames made (g-names of
    ``renamed`` readers, whose history they are), as passes and carry-overs leave them."""
    db = sqlite3.connect(database)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "reader_names" not in tables:
        db.close()
        return
    week = (now - dt.timedelta(days=7)).isoformat()
    with db:
        db.executemany("INSERT OR IGNORE INTO reader_names (user, live) VALUES (?, 1)",
                       ((f"r{i:04d}",) for i in range(readers)))  # fmt: skip
        db.executemany("INSERT OR IGNORE INTO reader_names (user, live, gone_at) VALUES (?, 0, ?)",
                       ((f"g{i:04d}", week) for i in range(removed)))  # fmt: skip
        db.executemany(
            "INSERT OR IGNORE INTO reader_renames (old_user, user, renamed_at) VALUES (?,?,?)",
            (
                (f"old{i:04d}", f"r{i:04d}", (now - dt.timedelta(days=30 + i)).isoformat())
                for i in range(renamed)
            ),
        )
    db.close()
