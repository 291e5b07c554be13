"""What users run, on a grown installation, paired between two checkouts (A B A B ...).

    python benchmarks/bench_grown.py --work /tmp/grown --a /work/old-checkout     # A: old, B: this
    python benchmarks/bench_grown.py --work /tmp/grown --a /work/old --only status,preview --rounds 5
    pg_virtualenv -t python benchmarks/bench_grown.py --work /tmp/grown --a /work/old --pg

The installation (benchmarks/grown.py; built into ``--work`` by A's code unless already there):
``--days`` (365) daily listings of ``--per-day`` (270) papers, ``--readers`` (2,000) with
``--history`` (730) days of digests each (the papers of the last 60 recorded as sent), a quarter
with 30 ratings, 100 removed readers and 50 renamed ones. Each checkout gets its own copy of the
database (migrated by its code, the archive's word counts made: not timed) and of the profiles.

Timed, each command in a fresh process (wall and CPU seconds, peak RSS), per round A then B:
``run --once`` on a quiet tick (every reader served today) and on the day of a new dump (every
reader due: 2,000 digests written as files), ``send --dry-run``, ``preview``, ``rank --next``,
``status``, ``profile test``, ``feedback``; and ``digest serve``'s pages, each asked 20 times
over HTTP (median ms): a reader's preferences page, a rating link, the unsubscribe page and a
removed reader's link (410). ``--pg``: also ``db migrate`` into a new PostgreSQL database (needs
the PG* variables) and a quiet ``run --once`` on it. Prints the figures per round and the
median B/A ratio of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import _path  # noqa: F401
from _dumps import DEFAULT_DUMPS, dump_files
from grown import build, mark_names

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-bench-secret-bench-secret"
INDEX = """
from digest.select.collection import CollectionStats
from digest.store import Store
with Store("digest.db") as store:
    CollectionStats(store).refresh()
"""
SIGN = """
import datetime as dt, inspect, sys
from digest.config import load_config
from digest.signing import Signer
s = Signer.from_config(load_config("config.yaml"))
extra = [dt.datetime.now(dt.UTC)] if len(inspect.signature(s.token).parameters) > 1 else []
print(s.token(sys.argv[1], *extra))
"""


class Checkout:
    def __init__(self, label: str, source: Path, work: Path) -> None:
        self.label, self.source, self.home = label, source.resolve(), work / label
        self.env = {**os.environ, "PYTHONPATH": str(self.source), "OMP_NUM_THREADS": "1",
                    "BENCH_SECRET": SECRET}  # fmt: skip

    def prepare(self, work: Path, built: dict) -> None:
        if not (self.home / "ready").exists():
            shutil.rmtree(self.home, ignore_errors=True)
            self.home.mkdir()
            shutil.copytree(work / "profiles", self.home / "profiles")
            (self.home / "inbox").mkdir()
            shutil.copy(work / "config.yaml", self.home)
            shutil.copy(work / "digest.db", self.home)
            self.python("-c", INDEX)  # migrated, and the archive's word counts made (as a daemon has them)
            now = dt.datetime.fromisoformat(built["now"])
            mark_names(self.home / "digest.db", built["readers"], built["removed"], built["renamed"], now)
            (self.home / "ready").write_text("")

    def python(self, *args: str, cwd: Path | None = None) -> tuple[float, float, float, str]:
        timed = ["/usr/bin/time", "-f", "TIME %e %U %S %M", sys.executable, *args]
        done = subprocess.run(timed, env=self.env, capture_output=True, text=True, cwd=cwd or self.home)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{self.label} {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        last = [line for line in done.stderr.splitlines() if line.startswith("TIME ")][-1].split()
        return float(last[1]), float(last[2]) + float(last[3]), int(last[4]) / 1024, done.stdout

    def digest(self, *args: str, cwd: Path | None = None) -> tuple[float, float, float, str]:
        return self.python("-m", "digest", "-q", "--config", "config.yaml", *args, cwd=cwd)

    def scratch(self, work: Path, state: str) -> Path:
        """A copy to change: ``quiet`` (every reader served today) or ``due`` (the new dump in
        the inbox, every reader due)."""
        folder = self.home.parent / f"{self.label}-scratch"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / "inbox").mkdir()
        os.symlink(self.home / "profiles", folder / "profiles")
        shutil.copy(self.home / "config.yaml", folder)
        shutil.copy(self.home / "digest.db", folder)
        if state == "quiet":
            now = dt.datetime.now(dt.UTC)
            db = sqlite3.connect(folder / "digest.db")
            with db:
                db.execute("UPDATE schedule_state SET last_period = ?, last_run_at = ?",
                           (now.date().isoformat(), now.isoformat()))  # fmt: skip
            db.close()
        else:
            for dump in (work / "spare").iterdir():
                shutil.copy(dump, folder / "inbox")
        return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_pages(c: Checkout, paper: int) -> dict[str, float]:
    """Median ms of each page, asked 20 times of a running `digest serve`."""
    port = free_port()
    tokens = {u: c.python("-c", SIGN, u)[3].strip() for u in ("r0001", "g0001", "r0002")}
    server = subprocess.Popen(
        [sys.executable, "-m", "digest", "-q", "--config", "config.yaml", "serve", "--port", str(port)],
        cwd=c.home, env=c.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        pages = {
            "serve preferences": f"/u/{tokens['r0001']}",
            "serve rating link": f"/u/{tokens['r0002']}/more/{paper}",
            "serve unsubscribe": f"/u/{tokens['r0001']}/unsubscribe",
            "serve removed 410": f"/u/{tokens['g0001']}",
        }
        out = {}
        for name, path in pages.items():
            times, status = [], 0
            for _ in range(20):
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(base + path, timeout=30) as answer:
                        answer.read()
                        status = answer.status
                except urllib.error.HTTPError as e:
                    e.read()
                    status = e.code
                times.append(time.perf_counter() - t0)
            out[f"{name} {status}"] = statistics.median(times) * 1000
        return out
    finally:
        server.terminate()
        server.wait()


class Figures(dict):
    """Each figure printed as it comes in."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def __setitem__(self, name: str, fig: tuple) -> None:
        super().__setitem__(name, fig)
        print(f"  {self.label} {name:<22} {fig[0]:8.3f} s {fig[1]:7.2f} s CPU {fig[2]:5.0f} MB", flush=True)


def one_round(c: Checkout, work: Path, only: set[str] | None, pg: bool, paper: int) -> dict[str, tuple]:
    figures = Figures(c.label)

    def want(name: str) -> bool:
        return only is None or name in only

    if want("run quiet"):
        folder = c.scratch(work, "quiet")
        figures["run quiet"] = c.digest("run", "--once", cwd=folder)[:3]
    if want("run new dump"):
        folder = c.scratch(work, "due")
        figures["run new dump"] = c.digest("run", "--once", cwd=folder)[:3]
    commands = {
        "send --dry-run": ("send", "--dry-run"),
        "preview": ("preview", "r0003", "--text"),
        "rank --next": ("rank", "r0003", "--next", "--json"),
        "status": ("status",),
        "profile test": ("profile", "test", "r0003", "world model"),
        "feedback": ("feedback", "r0004", str(paper), "up"),
    }
    for name, args in commands.items():
        if want(name):
            figures[name] = c.digest(*args)[:3]
    if want("serve"):
        for name, ms in serve_pages(c, paper).items():
            figures[name] = (ms / 1000, 0.0, 0.0)
    if pg:
        name = f"bench_{c.label.lower()}_{int(time.time())}"
        subprocess.run(["createdb", name], check=True)
        figures["db migrate (PG)"] = c.digest("db", "migrate", "--to", f"postgresql:///{name}")[:3]
        folder = c.scratch(work, "quiet")
        text = (folder / "config.yaml").read_text()
        (folder / "config.yaml").write_text(
            text.replace("database: digest.db", f"database: postgresql:///{name}")
        )
        now = dt.datetime.now(dt.UTC)
        quiet = f"UPDATE schedule_state SET last_period = '{now.date()}', last_run_at = '{now.isoformat()}'"
        subprocess.run(["psql", "-q", "-d", name, "-c", quiet], check=True)
        figures["run quiet (PG)"] = c.digest("run", "--once", cwd=folder)[:3]
        subprocess.run(["dropdb", name], check=True)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True, help="the installation (built there if missing)")
    ap.add_argument("--a", type=Path, required=True, help="checkout A (the older: it builds)")
    ap.add_argument("--b", type=Path, default=ROOT, help="checkout B (default: this one)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", help="comma-separated figure names (run quiet, status, serve, ...)")
    ap.add_argument("--pg", action="store_true", help="db migrate and a quiet pass on PostgreSQL too")
    ap.add_argument("--readers", type=int, default=2000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=270)
    ap.add_argument("--history", type=int, default=730)
    ap.add_argument(
        "--dumps", type=Path, default=DEFAULT_DUMPS, help="the dumps whose text the build recombines"
    )
    a = ap.parse_args()
    os.environ["BENCH_SECRET"] = SECRET
    if not (a.work / "built").exists():
        shared = dump_files(a.dumps)  # none: stops here, before the work folder is touched
        shutil.rmtree(a.work, ignore_errors=True)
        a.work.mkdir(parents=True)
        t0 = time.perf_counter()
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        build(a.work, a.a.resolve(), days=a.days, per_day=a.per_day, readers=a.readers, history=a.history,
              sent_days=60, removed=100, renamed=50, now=now, shared=shared)  # fmt: skip
        print(f"built in {time.perf_counter() - t0:.0f} s")
    built = json.loads((a.work / "built").read_text())
    pair = [Checkout("A", a.a, a.work), Checkout("B", a.b, a.work)]
    for c in pair:
        c.prepare(a.work, built)
    db = sqlite3.connect(a.work / "digest.db")
    tables = ("papers", "outbox", "sent_papers", "ratings")
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    paper = db.execute("SELECT MAX(id) - 5 FROM papers").fetchone()[0]
    db.close()
    size = (a.work / "digest.db").stat().st_size / 1e6
    print(f"{counts}, database {size:.0f} MB; A {pair[0].source}, B {pair[1].source}", flush=True)
    only = set(a.only.split(",")) if a.only else None
    results: dict[str, dict[str, list]] = {"A": {}, "B": {}}
    for r in range(a.rounds):
        print(f"round {r + 1}", flush=True)
        for c in pair:
            for name, fig in one_round(c, a.work, only, a.pg, paper).items():
                results[c.label].setdefault(name, []).append(fig)
    print(f"\n{'figure':<22}{'A median':>10}{'B median':>10}{'B/A':>7}   (wall s; serve: ms/request / 1000)")
    for name, runs in results["A"].items():
        ma = statistics.median(f[0] for f in runs)
        mb = statistics.median(f[0] for f in results["B"].get(name, [(float("nan"),)]))
        print(f"{name:<22}{ma:10.3f}{mb:10.3f}{mb / ma:7.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
