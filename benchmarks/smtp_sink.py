"""An SMTP sink in its own process for the benchmarks: aiosmtpd on loopback, counting messages.

    python benchmarks/smtp_sink.py                      # prints "port N" once listening
    python benchmarks/smtp_sink.py --timeline times.txt # also each message's arrival times

It keeps no bytes. On SIGTERM (or when stdin closes) it prints "received N messages, B bytes"
and exits. ``--timeline``: for each message, one line "CONNECTION MAIL RCPT DATA": the connection
(a number) and the times (time.monotonic(), s) when its MAIL and RCPT commands and the end of
its data arrived: where a client spends its time per message (see :func:`gaps`).
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)
from aiosmtpd.controller import Controller

from digest.demo.smtp_server import free_port


class Counting:
    def __init__(self, timeline: bool = False) -> None:
        self.count = 0
        self.bytes = 0
        self.times: list[list[float]] | None = [] if timeline else None
        self.current: dict[int, list[float]] = {}  # per connection (session), its message now

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: ANN001 - aiosmtpd's hook
        if self.times is not None:
            row = self.current[id(session)] = [float(id(session)), time.monotonic()]
            self.times.append(row)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001 - aiosmtpd's hook
        if self.times is not None:
            self.current[id(session)].append(time.monotonic())
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
        if self.times is not None:
            self.current[id(session)].append(time.monotonic())
        self.count += 1
        self.bytes += len(envelope.content)
        return "250 2.0.0 queued"


def gaps(path: Path) -> dict[str, float]:
    """Where a client's time per message goes, from a timeline (ms per message, means; each
    message against the previous one on its connection):
    ``next``: end of a message's data to the next MAIL (the server's 250 reply, then the
    client's work between two messages); ``rcpt``: MAIL to RCPT (one reply and the client's
    turn-around); ``data``: RCPT to the end of the data (two replies, DATA, the bytes and the
    server reading them); ``p90 next``: the 90th percentile of ``next``; ``span``: seconds
    from the first MAIL to the last message's end (the sending part of the run)."""
    lines: dict[str, list[list[float]]] = {}
    for line in path.read_text().splitlines():
        conn, *times = line.split()
        if len(times) == 3:
            lines.setdefault(conn, []).append([float(x) for x in times])
    rows = [r for one in lines.values() for r in one]
    pairs = [p for one in lines.values() for p in zip(one, one[1:], strict=False)]
    if not pairs:
        return {}
    after = sorted(b[0] - a[2] for a, b in pairs)
    return {
        "next": 1000 * statistics.fmean(after),
        "p90 next": 1000 * after[int(0.9 * (len(after) - 1))],
        "rcpt": 1000 * statistics.fmean(r[1] - r[0] for r in rows),
        "data": 1000 * statistics.fmean(r[2] - r[1] for r in rows),
        "span": max(r[2] for r in rows) - min(r[0] for r in rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timeline", type=Path, help="write each message's arrival times here at the end")
    args = ap.parse_args()
    handler = Counting(timeline=args.timeline is not None)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=None)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"port {port}", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()
    if args.timeline is not None and handler.times is not None:
        rows = (f"{int(row[0])} " + " ".join(f"{t:.6f}" for t in row[1:]) for row in handler.times)
        args.timeline.write_text("".join(r + "\n" for r in rows))
    print(f"received {handler.count} messages, {handler.bytes} bytes", flush=True)


if __name__ == "__main__":
    main()
