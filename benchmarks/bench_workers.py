"""The whole daily run on PostgreSQL with 1, 2 and 4 `digest run` workers (file transport).

    pg_virtualenv -t python benchmarks/bench_workers.py                      # 100,000 readers
    pg_virtualenv -t python benchmarks/bench_workers.py --readers 10000 --workers 1,2

Needs a PostgreSQL server (the PG* variables; `pg_virtualenv` starts a throwaway one). Builds
once: the readers' profile files (each with three interests drawn from a vocabulary, all
due ten minutes ago) and a database holding the shared dumps (papers indexed); the profile
cache is filled once, as a daemon's would be on any day after its first. Then, for each
worker count, a fresh copy of that database (CREATE DATABASE ... TEMPLATE), N worker
processes started together, and the clock runs until every reader's digest is written as an
.eml file and recorded sent. Prints the wall time, the throughput, each worker's share and
peak memory (VmHWM), the database's size and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from digest.config import load_config  # noqa: E402
from digest.ingest.dumps import ingest  # noqa: E402
from digest.profiles.cache import cache_path  # noqa: E402
from digest.profiles.load import load_profiles_lenient  # noqa: E402
from digest.select.collection import CollectionStats  # noqa: E402
from digest.store import Store  # noqa: E402

SHARED = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
VOCABULARY = [
    "language models", "diffusion", "agents", "reinforcement learning", "vision", "video", "reasoning",
    "benchmark", "multimodal", "retrieval", "robotics", "speech", "3d", "image generation",
    "transformer", "graph neural networks", "reward", "alignment", "code generation", "mixture of experts",
]  # fmt: skip


def admin(sql: str) -> None:
    with psycopg.connect(autocommit=True) as db:
        db.execute(sql)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def prepare(folder: Path, readers: int, base: str) -> Path:
    """Profiles, the config, and the base database (the dumps ingested and indexed)."""
    (folder / "profiles").mkdir(parents=True)
    (folder / "inbox").mkdir()
    rng = random.Random(13)
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    for i in range(readers):
        interests = ", ".join(["language models", *rng.sample(VOCABULARY[1:], 2)])
        (folder / "profiles" / f"r{i:06d}.yaml").write_text(
            f'email: r{i:06d}@example.org\ninterests: [{interests}]\nsend_at: "{send_at}"\n'
        )
    config = folder / "config.yaml"
    config.write_text(
        f"database: postgresql:///{base}\ninbox: inbox\nprofiles: profiles\n"
        "smtp:\n  from: Research digest <digest@example.org>\n"
        "scheduler:\n  poll_seconds: 1\n"
        "delivery:\n  transport: file\n  dir: eml\n"
    )
    dumps = sorted(p for p in (SHARED / "dumps").iterdir() if p.is_file())
    admin(f"DROP DATABASE IF EXISTS {base} WITH (FORCE)")
    admin(f"CREATE DATABASE {base}")
    with Store(f"postgresql:///{base}") as store:
        ingest(store, dumps, dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        CollectionStats(store).refresh()
    return config


def run(folder: Path, base: str, name: str, workers: int, readers: int, timeout: float) -> dict:
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name} TEMPLATE {base}")
    shutil.rmtree(folder / "eml", ignore_errors=True)
    config = folder / f"config-{name}.yaml"
    text = (folder / "config.yaml").read_text().replace(f"postgresql:///{base}", f"postgresql:///{name}")
    config.write_text(text)
    # the profile cache of this config (its name follows the database's): filled as on any later
    # day, from the previous run's when there is one (the same profiles: parsed once)
    cache = cache_path(load_config(config))
    earlier = sorted(folder.glob("*.profiles.cache"))
    if earlier and not cache.exists():
        shutil.copyfile(earlier[0], cache)
    load_profiles_lenient(load_config(config))
    url = f"postgresql:///{name}"
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "digest", "--config", str(config), "-q", "run"],
            stdout=subprocess.DEVNULL,
            stderr=open(folder / f"{name}-{n}.log", "wb"),  # noqa: SIM115
        )
        for n in range(workers)
    ]
    peaks = dict.fromkeys((p.pid for p in procs), 0)
    sent = 0
    report_at = started + 300
    with psycopg.connect(url, autocommit=True) as db:
        while time.monotonic() - started < timeout:
            time.sleep(0.5)
            for pid in peaks:
                peaks[pid] = max(peaks[pid], peak_kb(pid))
            sent = db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
            if sent >= readers:
                break
            if time.monotonic() >= report_at:  # a run stopped early still tells its pace
                report_at += 300
                queued = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
                elapsed = time.monotonic() - started
                print(
                    f"  ... {workers} worker(s), {elapsed:.0f} s: {queued:,} queued, {sent:,} sent; "
                    f"peak memory (MB) {[round(k / 1024) for k in peaks.values()]}; "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        wall = time.monotonic() - started
        shares = dict(db.execute("SELECT claimed_by, COUNT(*) FROM outbox GROUP BY claimed_by").fetchall())
        size = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    return {
        "workers": workers,
        "sent": sent,
        "wall": wall,
        "peaks_mb": [round(peaks[p.pid] / 1024) for p in procs],
        "shares": sorted(shares.values(), reverse=True),
        "db_mb": size / 1e6,
        "load": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma separated")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds per run at most")
    parser.add_argument("--keep", action="store_true", help="keep the folder and the databases")
    args = parser.parse_args()
    if not any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGDATABASE")):
        sys.exit("no PostgreSQL server: run under pg_virtualenv, or set the PG* variables")
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    base = "bench_workers_base"
    print(f"{args.readers:,} readers; preparing in {folder} ...", flush=True)
    print("  uptime:", uptime(), flush=True)
    t = time.monotonic()
    prepare(folder, args.readers, base)
    print(f"  profiles written and dumps ingested in {time.monotonic() - t:.0f} s", flush=True)
    results = []
    for n in [int(x) for x in args.workers.split(",")]:
        r = run(folder, base, f"bench_workers_{n}", n, args.readers, args.timeout)
        results.append(r)
        print(
            f"{n} worker(s): {r['sent']:,} digests in {r['wall']:.1f} s = {r['sent'] / r['wall']:.0f}/s; "
            f"per worker {r['shares']}; peak memory (MB) {r['peaks_mb']}; database {r['db_mb']:.0f} MB; "
            f"load {r['load'][0]:.1f} {r['load'][1]:.1f} {r['load'][2]:.1f}",
            flush=True,
        )
        print("  uptime:", uptime(), flush=True)
        if not args.keep:  # its bytes are counted: the space goes back before the next run
            admin(f"DROP DATABASE IF EXISTS bench_workers_{n} WITH (FORCE)")
    if not args.keep:
        for n in [int(x) for x in args.workers.split(",")]:
            admin(f"DROP DATABASE IF EXISTS bench_workers_{n} WITH (FORCE)")
        admin(f"DROP DATABASE IF EXISTS {base} WITH (FORCE)")
        shutil.rmtree(folder, ignore_errors=True)
    base_rate = results[0]["sent"] / results[0]["wall"] if results else 0
    for r in results[1:]:
        print(f"speed-up with {r['workers']} workers: {r['sent'] / r['wall'] / base_rate:.2f}x")


if __name__ == "__main__":
    main()
