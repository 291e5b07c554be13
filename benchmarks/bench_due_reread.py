"""What a daemon pass costs in looking again at the files of the readers due at once.

    .venv/bin/python benchmarks/bench_due_reread.py               # 10,000 readers due at once
    .venv/bin/python benchmarks/bench_due_reread.py --readers 100000

N profiles in a real folder, read once by the daemon's ProfileFolder (its scan); then
ProfileFolder.fresh of all N, as a pass does for the readers due now (digest.daemon.due): with
no file changed (a ``stat`` each), and with 1% and all of them edited in place since the scan
(those read again), then once more (each version read once). Prints the median of 5 runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401 - the checkout's digest

from digest.config import load_config
from digest.profiles.watch import ProfileFolder

CONFIG = "database: digest.db\ninbox: inbox\nprofiles: profiles\nsmtp:\n  from: d@example.org\n"


def text(i: int, host: str) -> str:
    return f'email: r{i:06d}@{host}\ninterests: [diffusion]\nsend_at: "07:30"\n'


def written(root: Path, readers: int) -> list[Path]:
    """A config and ``readers`` profile files in ``root``."""
    (root / "config.yaml").write_text(CONFIG + "delivery:\n  transport: file\n  dir: out\n")
    (root / "profiles").mkdir()
    paths = [root / "profiles" / f"r{i:06d}.yaml" for i in range(readers)]
    for i, path in enumerate(paths):
        path.write_text(text(i, "example.org"))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=10_000)
    now = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = written(root, parser.parse_args().readers)
        folder = ProfileFolder(load_config(root / "config.yaml"))
        due = list(folder.current(now).profiles)

        def timed(name: str, edit: int, host: str) -> None:
            times = []
            for run in range(5):
                for i in range(edit):  # in place: the folder's time stays as it was
                    paths[i].write_text(text(i, f"{host}{run}.example.org"))
                t = time.perf_counter()
                fresh = folder.fresh(due)
                times.append(time.perf_counter() - t)
                assert sum(p.email.endswith(f"{host}{run}.example.org") for p in fresh) == edit
            print(f"{name}: {statistics.median(times) * 1000:.1f} ms for {len(due):,} due", flush=True)

        timed("none changed (a stat each)", 0, "")
        timed("1% edited in place", len(due) // 100, "a")
        timed("all edited in place", len(due), "b")
        t = time.perf_counter()
        folder.fresh(due)
        print(f"all as read again before: {(time.perf_counter() - t) * 1000:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
