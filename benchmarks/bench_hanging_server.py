"""One delivery pass against an aiosmtpd server that reads each message and never answers DATA.

    python benchmarks/bench_hanging_server.py --readers 10 --timeout 1 --connections 1

Prints how long the pass took and how many messages the server saw: without a stop on repeated
timeouts a pass costs readers x timeout / connections (the issue measured 51 s for 10 readers at
timeout 5). DIGEST_SRC=path runs another checkout's digest (for before/after in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("DIGEST_SRC") or str(Path(__file__).resolve().parents[1]))

from digest.config import load_config  # noqa: E402
from digest.deliver.delivery import RateLimiter, deliver_due  # noqa: E402
from digest.deliver.outbox import Outbox  # noqa: E402
from digest.demo.smtp_server import LocalSmtpServer  # noqa: E402
from digest.store import Store  # noqa: E402

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
MIME = b"From: d@example.org\r\nTo: r@example.org\r\nSubject: digest\r\n\r\nhello\r\n"


class Hangs:
    def __init__(self) -> None:
        self.seen = 0
        self.released = False

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        while not self.released:
            await asyncio.sleep(0.05)
        return "451 too late"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--readers", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--connections", type=int, default=1)
    args = ap.parse_args()
    logging.getLogger("digest").setLevel(logging.CRITICAL)  # the figures only
    handler = Hangs()
    with tempfile.TemporaryDirectory() as tmp, LocalSmtpServer(handler) as server:
        root = Path(tmp)
        (root / "config.yaml").write_text(
            f"database: {root}/d.db\ninbox: {root}\nprofiles: {root}\n"
            f"smtp:\n  host: 127.0.0.1\n  port: {server.port}\n  from: d@example.org\n"
            f"  timeout: {args.timeout}\n"
            f"delivery:\n  connections: {args.connections}\n"
        )
        config = load_config(root / "config.yaml")
        with Store(config.database) as store:
            outbox = Outbox(store)
            with store.transaction():
                for i in range(args.readers):
                    outbox.enqueue(
                        user=f"r{i}", recipient=f"r{i}@example.org", message_id=f"<m{i}@example.org>",
                        subject="digest", mime=MIME, paper_ids=[], now=NOW,
                    )  # fmt: skip
            start = time.perf_counter()
            outcomes = deliver_due(config, store, None, NOW, limiter=RateLimiter(None))
            took = time.perf_counter() - start
        handler.released = True
    print(
        f"readers {args.readers}, timeout {args.timeout:g} s, connections {args.connections}: "
        f"pass took {took:.1f} s; the server saw {handler.seen} messages; "
        f"{sum(not o.ok for o in outcomes)} deferred"
    )


if __name__ == "__main__":
    main()
