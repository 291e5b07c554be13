"""A year of listings: do `send --dry-run`, `preview` and a daemon tick cost the day's listing,
or the archive? Prints the time and peak memory of each, on a store holding a year of daily
listings and on one holding only the last listing, and their ratio.

    python benchmarks/bench_archive.py                       # 365 days x 100 papers, 1,000 readers
    python benchmarks/bench_archive.py --days 30 --readers 100
    python benchmarks/bench_archive.py --source /tmp/main-src  # the same commands, another checkout
    python benchmarks/bench_archive.py --dumps DIR            # the dumps whose text is recombined

The papers are synthetic, made at run time by recombining the titles and sentences of the
shared dumps (nothing of them is written outside the temporary work folder). Each command
runs in its own process under /usr/bin/time, which reports its peak RSS. ``--source``: a
checkout of digest whose code the commands run (default: this one), for before/after figures.

The archive store is used the way the daemon uses it: 364 days ingested, one daemon tick
(every reader gets that day's digest), then the last day ingested; what is timed is the next
day's work: every reader's next digest is the last listing. The small store holds the last
listing only (every reader is new: their first digest is the latest listing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _dumps import DEFAULT_DUMPS, dump_files

ROOT = Path(__file__).resolve().parents[1]
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"
VOCABULARY = [
    "language model", "diffusion", "agent", "reinforcement learning", "vision", "video", "reasoning",
    "benchmark", "multimodal", "retrieval", "robot", "speech", "3d", "image", "transformer",
    "fine-tuning", "alignment", "dataset", "generation", "graph", "attention", "token", "efficient",
    "quantization", "mixture of experts", "world model", "segmentation", "in-context learning",
]  # fmt: skip
TICK = """
import datetime as dt, sys
from digest.config import load_config
from digest.daemon.service import Daemon
now = dt.datetime.fromisoformat(sys.argv[2])
report = Daemon(load_config(sys.argv[1]), clock=lambda: now).run_once()
print(len(report.scheduled), "scheduled,", len(report.delivered), "delivered")
"""


def source_material(dumps: list[Path]) -> tuple[list[str], list[str]]:
    """Titles and abstract sentences of the shared dumps (kept in memory only)."""
    titles, sentences = [], []
    for path in dumps:
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", path.read_text("utf-8")) if p.strip()]
        body = paras[5:]
        for title, abstract in zip(body[0::2], body[1::2], strict=False):
            titles.append(title)
            sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", abstract) if len(s.split()) > 4]
    return titles, sentences


def synthetic_dump(day: dt.date, n: int, start: int, rng: random.Random, titles, sentences) -> str:
    papers = []
    for i in range(n):
        a, b = rng.sample(titles, 2)
        wa, wb = a.split(), b.split()
        title = " ".join(wa[: max(1, len(wa) // 2)] + wb[len(wb) // 2 :]) + f" (No. {start + i})"
        abstract = " ".join(rng.sample(sentences, rng.randint(4, 8)))
        papers.append(f"{title}\n\n{abstract}")
    return HEADER + f"{day:%b} {day.day}\n\n" + "\n\n".join(papers) + "\n"


def write_dumps(
    folder: Path, days: list[dt.date], per_day: int, seed: int, shared: list[Path] | None = None
) -> list[Path]:
    """A listing of ``per_day`` papers for each of ``days``, recombined from the text of the
    ``shared`` dumps (default: those of ../shared/dumps; none there stops the benchmark)."""
    titles, sentences = source_material(shared if shared is not None else dump_files(DEFAULT_DUMPS))
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    paths = []
    for k, day in enumerate(days):
        path = folder / f"{day.isoformat()}.txt"
        path.write_text(synthetic_dump(day, per_day, k * per_day, rng, titles, sentences), "utf-8")
        stamp = dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC).timestamp()
        os.utime(path, (stamp, stamp))  # the dump's mtime anchors the listing's year
        paths.append(path)
    return paths


def setup(work: Path, readers: int, send_at: dt.time, seed: int) -> Path:
    (work / "profiles").mkdir(parents=True)
    (work / "inbox").mkdir()
    rng = random.Random(seed)
    for i in range(readers):
        interests = rng.sample(VOCABULARY, rng.randint(2, 5))
        lines = "".join(f"  - {phrase}\n" for phrase in interests)
        (work / "profiles" / f"r{i:04d}.yaml").write_text(
            f'email: r{i:04d}@example.org\nsend_at: "{send_at:%H:%M}"\nmax_papers: 10\ninterests:\n{lines}'
        )
    config = work / "config.yaml"
    config.write_text(
        "database: digest.db\ninbox: inbox\nprofiles: profiles\n"
        "smtp:\n  from: Research digest <digest@example.org>\n"
        "delivery:\n  transport: file\n  dir: outbox-files\n"
    )
    return config


class Runner:
    def __init__(self, source: Path) -> None:
        self.env = {**os.environ, "PYTHONPATH": str(source), "OMP_NUM_THREADS": "1"}

    def run(self, config: Path, args: list[str], label: str | None = None) -> tuple[float, float, float]:
        """Run ``digest ARGS`` (or python -c with ``args[0] == '-c'``); (seconds, CPU seconds,
        peak MB). CPU seconds (user + system) tell more than the wall clock on a busy machine."""
        cmd = (
            [sys.executable, *args]
            if args[0] == "-c"
            else [sys.executable, "-m", "digest", "--config", str(config), *args]
        )
        timed = ["/usr/bin/time", "-f", "TIME %e %U %S %M", *cmd]
        done = subprocess.run(timed, env=self.env, capture_output=True, text=True, cwd=config.parent)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        last = [line for line in done.stderr.splitlines() if line.startswith("TIME ")][-1].split()
        seconds, cpu, mb = float(last[1]), float(last[2]) + float(last[3]), int(last[4]) / 1024
        if label:
            out = done.stdout.strip().splitlines()[-1][:60]
            print(f"  {label:<16} {seconds:8.2f} s {cpu:8.2f} s CPU {mb:6.0f} MB   {out}")
        return seconds, cpu, mb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=100)
    ap.add_argument("--readers", type=int, default=1000)
    ap.add_argument("--source", type=Path, default=ROOT, help="the digest checkout to run")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument(
        "--dumps", type=Path, default=DEFAULT_DUMPS, help="the listing dumps (default: ../shared/dumps)"
    )
    ap.add_argument(
        "--no-warm-up",
        action="store_true",
        help="skip the tick before the last listing (every reader is new on both stores: quicker "
        "for code whose cost does not depend on it)",
    )
    args = ap.parse_args()
    shared = dump_files(args.dumps)  # none: stops here, before the work folder
    runner = Runner(args.source)
    probe = subprocess.run(
        [sys.executable, "-c", "import digest; print(digest.__file__)"],
        env=runner.env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),  # not the checkout (python -c puts the cwd first on sys.path)
    )
    print(f"code: {probe.stdout.strip()}   load: {os.getloadavg()[0]:.2f}")
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    send_at = (now - dt.timedelta(minutes=1)).time()
    today = now.date()
    days = [today - dt.timedelta(days=args.days - k) for k in range(args.days)]  # the last one: yesterday
    dumps = write_dumps(work / "dumps", days, args.per_day, seed=7, shared=shared)
    figures = {}
    for name in ("archive", "last listing"):
        folder = work / name.replace(" ", "-")
        config = setup(folder, args.readers, send_at, seed=11)
        if name == "archive":
            print(f"archive: ingesting {len(dumps) - 1} listings of {args.per_day} papers ...")
            runner.run(config, ["ingest", *map(str, dumps[:-1])], "ingest")
        if name == "archive" and not args.no_warm_up:
            warm = dt.datetime.now(dt.UTC)  # the daemon's tick of that day, after its ingest
            runner.run(config, ["-c", TICK, str(config), warm.isoformat()], "warm-up tick")
        runner.run(config, ["ingest", str(dumps[-1])], "ingest last")
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # the next day's tick
        print(f"{name}: timed")
        user = "r0000"
        figures[name] = {
            "send --dry-run": runner.run(config, ["send", "--dry-run"], "send --dry-run"),
            "preview": runner.run(config, ["preview", user, "--text"], "preview"),
            "daemon tick": runner.run(config, ["-c", TICK, str(config), tomorrow.isoformat()], "daemon tick"),
        }
    print(
        f"\n{'':<16} {'archive':^30} {'last listing':^30} {'ratio':^15}   load {os.getloadavg()[0]:.2f}\n"
        f"{'command':<16} {'wall':>8} {'CPU':>10} {'peak':>9}  {'wall':>8} {'CPU':>10} {'peak':>9}  "
        f"{'wall':>6} {'CPU':>6}"
    )
    for what in figures["archive"]:
        (ta, ca, ma), (tl, cl, ml) = figures["archive"][what], figures["last listing"][what]
        print(
            f"{what:<16} {ta:6.2f} s {ca:6.2f} s {ma:6.0f} MB  {tl:6.2f} s {cl:6.2f} s {ml:6.0f} MB  "
            f"{ta / tl:5.2f}x {ca / max(cl, 1e-9):5.2f}x"
        )
    if args.keep:
        print(f"work folder: {work}")
    else:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
