"""The whole `digest send`, as a user runs it, against a bare smtplib loop: paired, same run.

    python benchmarks/bench_send.py                      # 10,000 readers, 1 then 4 connections
    python benchmarks/bench_send.py --readers 1000 --connections 1 --rounds 1
    python benchmarks/bench_send.py --readers 100000 --file-transport

Set-up (not timed): the package's bytecode compiled (as installing it does), N generated
readers' profiles on disk (defaults: max_papers 10), the shared dumps (../shared/dumps beside
the checkout) copied into the inbox, and the reference messages written once by
`digest send --dry-run --to-dir`.

Each round, for each number of connections, runs in turn (A B A B ...):
  A  `digest ingest && digest send` in a fresh database: one child process (process start,
     ingest, profiles, ranking, rendering, queueing, sending over C connections);
  B  benchmarks/smtp_loop.py: one process, C threads each with one reused smtplib
     connection, sending the same .eml files to the same kind of server.
The server is benchmarks/smtp_sink.py (aiosmtpd) in its own process, started afresh for each
run, and it counts what it got. For each run: wall time, CPU time (user + system of the
child and its children, from os.wait4), the peak memory: PSS summed over the process tree (a
page shared by n processes counts 1/n in each: their joint use), beside the peak RSS of the
largest process and the RSS summed over the tree (which counts a page the forked makers
share with their parent once in each process), the load average and the steal (on a virtual
machine: the share of its CPU time the host gave to others during the run, from /proc/stat;
a pair where A and B lost very different shares compares two machines, not two commands);
how busy the machine's cores were with the command and the server together (their CPU times
over cores x wall: near 100 %, the run is bound by the CPU time, and only less of it makes
it faster); then A/B ratios per pair and their median (5 pairs by default: one pair's ratio
moves by ±0.05 between runs on 2 cores); and from the sink's timeline (smtp_sink.py
--timeline), where each message's time went at the server's end: the mean ms from one
message's end to the next MAIL (the client's work between two messages), MAIL to RCPT, RCPT
to the data's end, and the seconds outside the sending span (start-up, ingest, ranking,
before the first MAIL). After the last A: the database size, and after the retention pass
(as of keep_days + 1 later).

--file-transport: only A, with `delivery.transport: file` (no server, no reference).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import dump_files
from _proctree import Run, own_cpu, timed
from smtp_sink import gaps

import digest
from digest.forking import cores

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
VOCABULARY = [
    "language model", "diffusion", "agent", "reinforcement learning", "vision", "video", "reasoning",
    "benchmark", "multimodal", "retrieval", "robot", "speech", "3d", "image", "transformer",
    "fine-tuning", "alignment", "dataset", "generation", "graph", "attention", "token", "efficient",
]  # fmt: skip


CORES = cores()  # the cores the runs may use


def digest_cmd() -> str:
    exe = Path(sys.executable).with_name("digest")
    return str(exe) if exe.exists() else f"{sys.executable} -m digest"


def compiled() -> None:
    """The package's bytecode written, as installing it does (pip compiles what it installs), so
    that no run of A compiles the modules it imports: Python writes no bytecode of its own where
    PYTHONDONTWRITEBYTECODE is set, and then a checkout's modules were compiled in every run."""
    compileall.compile_dir(str(Path(digest.__file__).parent), quiet=1)


def make_profiles(folder: Path, n: int, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        words = rng.sample(VOCABULARY, 5)
        lines = [f"name: Reader {i}", f"email: reader{i:06d}@example.org", "interests:"]
        lines += [f"  {w}: {rng.choice([1, 2, 3])}" for w in words]
        (folder / f"reader{i:06d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_config(work: Path, port: int, connections: int, transport: str = "smtp") -> Path:
    path = work / "config.yaml"
    path.write_text(
        "database: data/digest.db\ninbox: inbox\nprofiles: profiles\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  from: Digest <digest@example.org>\n"
        f"delivery:\n  transport: {transport}\n  dir: outbox-files\n  connections: {connections}\n",
        encoding="utf-8",
    )
    return path


def fresh_state(work: Path, dumps: list[Path]) -> None:
    """A new database and a full inbox (the profiles and their parse cache stay)."""
    for name in ("data/digest.db", "data/digest.db-wal", "data/digest.db-shm"):
        (work / name).unlink(missing_ok=True)
    for name in ("inbox", "outbox-files"):
        shutil.rmtree(work / name, ignore_errors=True)
    (work / "inbox").mkdir()
    (work / "data").mkdir(exist_ok=True)
    settled = time.time() - 60  # dropped a minute ago: ingest does not wait settle_seconds for them
    for p in dumps:
        shutil.copy(p, work / "inbox" / p.name)
        os.utime(work / "inbox" / p.name, (settled, settled))


class Sink:
    def __init__(self, timeline: Path) -> None:
        self.timeline = timeline

    def __enter__(self) -> Sink:
        self.timeline.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "smtp_sink.py"), "--timeline", str(self.timeline)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self.proc.stdout.readline().split()[1])
        self.started_cpu = own_cpu(self.proc.pid)  # its start-up (imports) is not the run's
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.stop()

    def stop(self) -> int:
        """How many messages the sink got; its CPU time since it was ready goes into ``self.cpu``."""
        self.proc.stdin.close()
        line = self.proc.stdout.readline()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.cpu = usage.ru_utime + usage.ru_stime - self.started_cpu
        self.gaps = tuple(gaps(self.timeline).items())
        return int(line.split()[1])


def run_digest(work: Path, dumps: list[Path], connections: int, transport: str = "smtp") -> Run:
    fresh_state(work, dumps)
    shell = f"{digest_cmd()} -q ingest && {digest_cmd()} -q send"
    if transport == "file":
        write_config(work, 25, connections, transport)
        run, code = timed(["sh", "-c", shell], work, work / "send.log")
        received = len(list((work / "outbox-files").glob("*.eml")))
        server = 0.0
    else:
        with Sink(work / "timeline-send.txt") as sink:
            write_config(work, sink.port, connections)
            run, code = timed(["sh", "-c", shell], work, work / "send.log")
            received = sink.stop()
            server = sink.cpu
    if code != 0:
        raise SystemExit(f"digest send exited {code}; see {work / 'send.log'}")
    gaps = sink.gaps if transport != "file" else ()
    return replace(run, received=received, server_cpu=server, gaps=gaps)


def run_loop(work: Path, connections: int) -> Run:
    with Sink(work / "timeline-loop.txt") as sink:
        cmd = [sys.executable, str(HERE / "smtp_loop.py"), str(work / "eml"), "--port", str(sink.port)]
        cmd += ["--connections", str(connections)]
        run, code = timed(cmd, work, work / "loop.log")
        received = sink.stop()
    if code != 0:
        raise SystemExit(f"the smtplib loop exited {code}; see {work / 'loop.log'}")
    return replace(run, received=received, server_cpu=sink.cpu, gaps=sink.gaps)


def db_mb(work: Path) -> float:
    files = [work / "data" / n for n in ("digest.db", "digest.db-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def retention_pass(work: Path) -> str:
    """The retention pass as of keep_days + 1 days after the send (a child process)."""
    code = (
        "import datetime as dt, sys; from digest.config import load_config; "
        "from digest.store import Store; from digest.deliver.retention import prune; "
        "c = load_config(sys.argv[1]); s = Store(c.database); "
        "r = prune(s, dt.datetime.now(dt.UTC) + dt.timedelta(days=c.delivery.keep_days + 1), "
        "c.delivery.keep_days); s.close(); print(r)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(work / "config.yaml")], cwd=work, capture_output=True, text=True
    )
    return (out.stdout or out.stderr).strip()


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def show(label: str, r: Run) -> None:
    print(
        f"  {label:<24} wall {r.wall:7.2f} s  cpu {r.cpu:7.2f} s "
        f"({1000 * r.cpu / max(r.received, 1):.2f} ms/msg; server {r.server_cpu:6.2f} s)  "
        f"peak memory {r.pss_mb:5.0f} MiB PSS "
        f"(RSS {r.largest_mb:4.0f} the largest process, {r.rss_mb:4.0f} summed)  "
        f"received {r.received}  ({r.received / r.wall:5.0f} msg/s)   [{load()}; steal {r.steal:.0%}]",
        flush=True,
    )
    busy = r.cpu + r.server_cpu  # this command's and the server's: they share the machine's cores
    who = "this command and the server" if r.server_cpu else "this command"
    print(f"    cores busy: {busy / (CORES * r.wall):.0%} of {CORES} ({who}); "
          f"their CPU time alone needs {busy / CORES:.2f} s of wall time", flush=True)  # fmt: skip
    if r.gaps:
        print("    per message (sink's timeline, ms, means): "
              + ", ".join(f"{k} {v:.1f} s" if k == "span" else f"{k} {v:.3f}" for k, v in r.gaps)
              + f"; outside the span {r.wall - dict(r.gaps)['span']:.1f} s", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--rounds", type=int, default=5, help="A B pairs per connection count (median printed)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="default: ../shared beside the checkout")
    ap.add_argument("--file-transport", action="store_true", help="only the whole run, to .eml files")
    ap.add_argument("--work", type=Path, help="work folder (default: a new temporary one)")
    ap.add_argument(
        "--keep-reference", action="store_true", help="reuse the .eml files of an earlier run in --work"
    )
    args = ap.parse_args()
    dumps = dump_files(args.shared / "dumps", option="--shared DIR (its dumps/ folder)")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-send-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    compiled()
    if not (work / "profiles").is_dir():
        make_profiles(work / "profiles", args.readers, random.Random(2026))
    print(f"{args.readers} readers, {len(dumps)} dumps from {args.shared / 'dumps'}; work dir {work}")

    if args.file_transport:
        for k in range(args.rounds):
            r = run_digest(work, dumps, 1, "file")
            show(f"A{k + 1} digest send (file)", r)
        print(f"database after the send: {db_mb(work):.1f} MB; retention: {retention_pass(work)}; "
              f"after it: {db_mb(work):.1f} MB")  # fmt: skip
        return

    write_config(work, 25, 1)
    fresh_state(work, dumps)
    if not (args.keep_reference and any((work / "eml").glob("*.eml"))):
        shutil.rmtree(work / "eml", ignore_errors=True)
        dry = f"{digest_cmd()} -q ingest && {digest_cmd()} send --dry-run --to-dir eml"
        subprocess.run(["sh", "-c", dry], cwd=work, check=True, stdout=subprocess.DEVNULL)
    messages = len(list((work / "eml").glob("*.eml")))
    size = sum(p.stat().st_size for p in (work / "eml").glob("*.eml")) / messages / 1024
    setup = time.perf_counter() - t0
    print(f"reference: {messages} messages ({size:.0f} KB on average); set-up {setup:.0f} s")

    for connections in args.connections:
        print(f"{connections} connection(s):", flush=True)
        ratios, cpu_ratios = [], []
        for k in range(args.rounds):
            a = run_digest(work, dumps, connections)
            show(f"A{k + 1} digest send", a)
            b = run_loop(work, connections)
            show(f"B{k + 1} bare smtplib loop", b)
            if a.received != messages or b.received != messages:
                raise SystemExit(f"the server got {a.received} / {b.received} of {messages} messages")
            ratios.append(a.wall / b.wall)
            cpu_ratios.append(a.cpu / b.cpu)
        print(
            f"  paired wall ratio A/B: {', '.join(f'{r:.2f}' for r in ratios)}  "
            f"(median {statistics.median(ratios):.2f}); cpu ratio: "
            f"{', '.join(f'{r:.2f}' for r in cpu_ratios)}",
            flush=True,
        )
    before = db_mb(work)
    print(f"database after the send: {before:.1f} MB", flush=True)
    try:
        outcome = retention_pass(work)
        print(f"retention pass (keep_days + 1 later): {outcome}; database now {db_mb(work):.1f} MB")
    except Exception as e:  # noqa: BLE001 - a figure is missing, the others stand
        print(f"retention pass failed: {e}")


if __name__ == "__main__":
    main()
