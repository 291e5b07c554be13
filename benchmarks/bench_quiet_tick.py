"""What a quiet tick costs in finding the due readers, before and after the due index.

    .venv/bin/python benchmarks/bench_quiet_tick.py               # 100,000 readers
    .venv/bin/python benchmarks/bench_quiet_tick.py --readers 10000

N profiles (send times spread over the day), every reader's period done today in an SQLite
store. "every profile": what a tick did before, the profiles loaded (each file stat'ed, the
unchanged ones from the profile cache), every reader's last period in one query, and each
reader's slot worked out. "due index": a tick now, the folder stat'ed alone and the readers
the index names looked at (none: everyone was served today). "daemon pass": the whole quiet
pass of a running daemon (Daemon.run_once: fetching and the inbox checked, the due readers, the
deliveries, retention), beside what looking at every name costs (the renames' carry-over and
the profile names written down, digest.daemon.names), which a quiet pass no longer does: checked,
the benchmark fails if a quiet pass looked. Prints the median of 5 ticks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.config import load_config  # noqa: E402
from digest.daemon.due import DueIndex  # noqa: E402
from digest.daemon.names import look  # noqa: E402
from digest.daemon.renamed import carry_over  # noqa: E402
from digest.daemon.service import Daemon  # noqa: E402
from digest.profiles.load import load_profiles_lenient  # noqa: E402
from digest.profiles.watch import ProfileFolder  # noqa: E402
from digest.slots import due_slot  # noqa: E402
from digest.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=100_000)
    args = parser.parse_args()
    now = dt.datetime(2026, 3, 16, 23, 0, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "profiles").mkdir()
        (root / "inbox").mkdir()
        (root / "config.yaml").write_text(
            "database: digest.db\ninbox: inbox\nprofiles: profiles\nsmtp:\n  from: d@example.org\n"
            "delivery:\n  transport: file\n  dir: out\n"
        )
        for i in range(args.readers):
            at = f"{(i // 60) % 23:02d}:{i % 60:02d}"
            (root / "profiles" / f"r{i:06d}.yaml").write_text(
                f'email: r{i:06d}@example.org\ninterests: [diffusion]\nsend_at: "{at}"\n'
            )
        config = load_config(root / "config.yaml")
        t = time.perf_counter()
        load_profiles_lenient(config)  # the profile cache filled, as on any day after the first
        print(f"{args.readers:,} profiles parsed once (cache filled) in {time.perf_counter() - t:.1f} s")
        grace = config.scheduler.grace
        with Store(config.database) as store:
            with store.transaction():
                store.set_schedule_states([(f"r{i:06d}", "2026-03-16") for i in range(args.readers)], now)

            def every_profile() -> int:
                profiles, _ = load_profiles_lenient(config)
                states = store.all_schedule_states()
                due = 0
                for p in profiles:
                    last, last_at = states.get(p.user, (None, None))
                    due += due_slot(p, now, last, grace, last_at) is not None
                return due

            folder, index, synced = ProfileFolder(config), DueIndex(), [-1]

            def due_index() -> int:  # as Daemon._pass and send_due do it
                scan = folder.current(now)
                if scan.version != synced[0]:
                    index.sync(scan.profiles)
                    synced[0] = scan.version
                candidates = index.candidates(now)
                states = store.schedule_states([p.user for p in candidates])
                due = 0
                for p in candidates:
                    slot = due_slot(p, now, states[p.user][0], grace, states[p.user][1])
                    index.not_due(p, states[p.user][0], now, states[p.user][1]) if slot is None else None
                    due += slot is not None
                return due

            for _ in range(3):  # the first reads of the folder (and the one after it changed)
                due_index()

            for name, tick in (("every profile", every_profile), ("due index", due_index)):
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    due = tick()
                    times.append(time.perf_counter() - t)
                median = statistics.median(times) * 1000
                print(f"{name}: {median:.1f} ms a quiet tick ({due} due)", flush=True)

            def names() -> int:  # what every quiet pass did before it remembered the scan
                carry_over(config, store, folder.current(now).profiles, now)
                look(config, store, now)
                return 0

            daemon, looked = Daemon(config, clock=lambda: now), False
            for _ in range(2):  # the folder read, and once more after (digest.profiles.watch)
                daemon.run_once()
            for name, tick in (("daemon pass", lambda: daemon.run_once() and 0), ("names looked at", names)):
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    tick()
                    times.append(time.perf_counter() - t)
                    would = name == "daemon pass" and daemon.looked.needed()
                    looked = looked or would
                print(f"{name}: {statistics.median(times) * 1000:.1f} ms", flush=True)
            if looked:
                raise SystemExit("check failed: a quiet daemon pass looked at every profile name")
            print("check: the quiet passes looked at no name")


if __name__ == "__main__":
    main()
