"""The CPU `deliver_due` spends per message beside making it: storing, sending, recording.

    python benchmarks/bench_plumbing.py WORK/eml --messages 3000 --connections 4
    python benchmarks/bench_plumbing.py WORK/eml --transport file

WORK/eml: the reference messages bench_send.py writes (its --work folder). Each message is
handed to deliver_due as a new message made by this process (as `digest send`'s maker hands
them: bytes and their LZ4 frame), so this measures the delivery's own plumbing: the outbox
INSERTs, the commits, the hand-offs between threads, smtplib's client side (or the file
writes) and recording each result. Prints the CPU of this process (the sink, aiosmtpd, runs in
its own process) per message, and how many statements and COMMITs each message cost.
Run it with PYTHONPATH pointing at another checkout to compare (paired, one after the other).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if not os.environ.get("PYTHONPATH"):  # else: the checkout it names is the one measured
    import _path  # noqa: F401  (puts the project on sys.path)

import digest  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.deliver.delivery import deliver_due  # noqa: E402
from digest.deliver.outbox import NewMessage, pack  # noqa: E402
from digest.store import Store  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("eml", type=Path, help="a folder of .eml files (bench_send.py's WORK/eml)")
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--transport", choices=["smtp", "file"], default="smtp")
    args = ap.parse_args()
    datas = [p.read_bytes() for p in sorted(args.eml.glob("*.eml"))[: args.messages]]
    n = len(datas)
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "smtp_sink.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    port = int(sink.stdout.readline().split()[1])
    work = Path(tempfile.mkdtemp(prefix="bench-plumbing-"))
    for name in ("profiles", "inbox", "data"):
        (work / name).mkdir()
    (work / "config.yaml").write_text(
        "database: data/digest.db\ninbox: inbox\nprofiles: profiles\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  from: Digest <digest@example.org>\n"
        f"delivery:\n  transport: {args.transport}\n  dir: out\n  connections: {args.connections}\n",
        encoding="utf-8",
    )
    config = load_config(work / "config.yaml")
    now = dt.datetime(2026, 3, 14, 7, tzinfo=dt.UTC)
    new = [
        NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@example.org>", "S", d, (), "day", packed=pack(d))
        for i, d in enumerate(datas)
    ]
    seen: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def trace(sql: str) -> None:
        with lock:
            seen[sql.split()[0].upper()] += 1

    with Store(config.database) as store:
        store.db.set_trace_callback(trace)  # SQLite: every statement the delivery runs
        t0, c0 = time.perf_counter(), time.process_time()
        outcomes = deliver_due(config, store, None, now, fresh=iter(new), fresh_count=n)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sink.stdin.close()
    received = sink.stdout.readline().strip()
    sink.wait()
    where = Path(digest.__file__).parent.parent
    print(
        f"{where}: {args.transport}, {args.connections} connection(s), {n} messages: wall {wall:.2f} s, "
        f"cpu {cpu:.2f} s ({1000 * cpu / n:.3f} ms per message); sent {sum(o.ok for o in outcomes)}; "
        f"sink: {received}; per message {seen['COMMIT'] / n:.2f} COMMITs, "
        f"{sum(seen.values()) / n:.2f} statements  [load average {os.getloadavg()[0]:.2f}]",
        flush=True,
    )


if __name__ == "__main__":
    main()
