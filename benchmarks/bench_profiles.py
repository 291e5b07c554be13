"""Loading reader profiles: ``load_profiles`` on N generated profile files (YAML read, every
option checked), as the daemon does on each tick and `digest send` once per run.

Wall-clock and CPU time of the best and the median of ``--repeat`` loads are printed; on a busy
machine the CPU time is the steadier figure. Run it from two checkouts for a paired comparison.

    python benchmarks/bench_profiles.py [--profiles 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)

from digest.config import parse_config
from digest.profiles.load import load_profiles

PROFILE = """\
# reader {i}
name: Reader {i}
email: r{i}@example.org
timezone: Europe/London
send_at: "07:30"
interests:
  spiking neural networks: 3   # the main topic
  neuromorphic: 2
  event cameras: 1
exclude: [medical]
max_papers: 5
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-profiles-"))
    try:
        (work / "profiles").mkdir()
        for i in range(args.profiles):
            (work / "profiles" / f"r{i:05d}.yaml").write_text(PROFILE.format(i=i))
        config = parse_config(
            {"database": "d.db", "inbox": "i", "profiles": "profiles", "smtp": {"from": "d@example.org"}},
            work / "config.yaml",
        )
        wall, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            profiles = load_profiles(config)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert len(profiles) == args.profiles
        print(
            f"{args.profiles} profiles loaded: wall best {min(wall):.3f} s, "
            f"median {statistics.median(wall):.3f} s; CPU best {min(cpu):.3f} s, "
            f"median {statistics.median(cpu):.3f} s ({min(cpu) / args.profiles * 1e3:.3f} ms CPU per profile)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
