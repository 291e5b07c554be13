"""What `digest status` costs with many messages queued (the SMTP server away all morning).

    .venv/bin/python benchmarks/bench_status_queued.py                 # SQLite, 5,000 queued
    pg_virtualenv -t .venv/bin/python benchmarks/bench_status_queued.py --postgresql
    .venv/bin/python benchmarks/bench_status_queued.py --queued 20000

N readers (profiles), each with one digest queued in the outbox (~40 KB of MIME each, of text
that compresses as a digest's does: stored packed, as the outbox keeps it) and deferred once
("451 try again later"). Runs a real `digest status` process 3 times and prints its median
wall time, its peak resident memory (the child's ru_maxrss) and how many lines it printed, and
the same of `digest status --queued` (every queued message, a line each);
then, in this process, the read behind "Messages waiting to be sent" alone, with the messages'
bytes (what status read before) and without (what it reads now): its time and its peak of
Python allocations (tracemalloc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.deliver.outbox import Outbox  # noqa: E402
from digest.store import QUEUED, Store  # noqa: E402

WORDS = [
    "neuromorphic",
    "spiking",
    "event",
    "driven",
    "chip",
    "sparse",
    "attention",
    "diffusion",
    "transformer",
    "robust",
    "learning",
    "graph",
    "kernel",
    "convex",
    "bound",
    "gradient",
    "flow",
    "manifold",
    "sampler",
    "latent",
    "policy",
    "reward",
    "agent",
    "benchmark",
]


def mime(rng: random.Random, i: int) -> bytes:
    """A digest-sized message (~40 KB) of varied words: it packs about as a real one does."""
    body = "\n".join(" ".join(rng.choices(WORDS, k=12)) for _ in range(400))
    head = f"From: d@example.org\r\nTo: r{i:05d}@example.org\r\nSubject: digest\r\n\r\n"
    return (head + body).encode()


def fill(database: str, root: Path, queued: int) -> None:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    with Store(database) as store:
        outbox = Outbox(store)
        with store.transaction():
            for i in range(queued):
                outbox.enqueue(
                    user=f"r{i:05d}", recipient=f"r{i:05d}@example.org", message_id=f"<m{i}@example.org>",
                    subject="digest", mime=mime(rng, i), paper_ids=[], now=now,
                )  # fmt: skip
            later = (now + dt.timedelta(minutes=10)).isoformat()
            store.db.execute(
                "UPDATE outbox SET attempts = 1, next_attempt_at = ?, last_error = ?",
                (later, "451 4.3.0 try again later"),
            )
    for i in range(queued):
        (root / "profiles" / f"r{i:05d}.yaml").write_text(
            f'email: r{i:05d}@example.org\ninterests: [neuromorphic]\nsend_at: "23:59"\n'
        )


def run_status(config: Path, *options: str) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, lines printed) of one real `digest status` (``--queued``)."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "status", *options],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out = proc.stdout.read()  # type: ignore[union-attr]
    _, code, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(code)
    if proc.returncode != 0:
        sys.exit(f"digest status exited {proc.returncode}")
    return time.perf_counter() - t, usage.ru_maxrss, out.decode().count("\n")


def read_queued(database: str, bytes_too: bool) -> tuple[float, float]:
    """(seconds, peak MiB of Python allocations) of reading every queued message: with its bytes
    (Outbox.messages, what status read before) or without (Outbox.entries, what it reads now)."""
    with Store(database, readonly=True) as store:
        outbox = Outbox(store)
        tracemalloc.start()
        t = time.perf_counter()
        outbox.messages(QUEUED) if bytes_too else outbox.entries(QUEUED)
        took = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return took, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queued", type=int, default=5000)
    parser.add_argument("--postgresql", action="store_true", help="a database on the PG* server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "profiles").mkdir()
        (root / "inbox").mkdir()
        database, admin = "digest.db", None
        if args.postgresql:
            import psycopg

            name = f"bench_status_{uuid.uuid4().hex[:8]}"
            admin = psycopg.connect(autocommit=True)
            admin.execute(f"CREATE DATABASE {name}")
            database = f"postgresql:///{name}"
        (root / "config.yaml").write_text(
            f"database: {database}\ninbox: inbox\nprofiles: profiles\nsmtp:\n  from: d@example.org\n"
        )
        try:
            os.chdir(root)
            fill(database, root, args.queued)
            runs = [run_status(root / "config.yaml") for _ in range(3)]
            every = [run_status(root / "config.yaml", "--queued") for _ in range(3)]
            reads = [read_queued(database, bytes_too) for bytes_too in (True, False)]
        finally:
            if admin is not None:
                admin.execute(f"DROP DATABASE IF EXISTS {database.rsplit('/', 1)[1]} WITH (FORCE)")
    kind = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"{args.queued} queued, {kind}")
    print(f"  digest status: {statistics.median(r[0] for r in runs):.2f} s (median of 3), "
          f"peak RSS {max(r[1] for r in runs) / 1024:.0f} MiB, {runs[0][2]} lines printed")  # fmt: skip
    print(f"  digest status --queued: {statistics.median(r[0] for r in every):.2f} s (median of 3), "
          f"peak RSS {max(r[1] for r in every) / 1024:.0f} MiB, {every[0][2]} lines printed")  # fmt: skip
    for (took, peak), how in zip(
        reads, ("with their bytes (Outbox.messages)", "without (Outbox.entries)"), strict=True
    ):
        print(f"  the queued messages read {how}: {took:.3f} s, peak {peak:.1f} MiB allocated")


if __name__ == "__main__":
    main()
