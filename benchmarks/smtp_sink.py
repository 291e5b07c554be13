"""An SMTP sink in its own process for the benchmarks: aiosmtpd on loopback, counting messages.

    python benchmarks/smtp_sink.py            # prints "port N" once listening

It keeps no bytes. On SIGTERM (or when stdin closes) it prints "received N messages, B bytes"
and exits.
"""

from __future__ import annotations

import signal
import sys
import threading

import _path  # noqa: F401  (puts the project on sys.path)
from aiosmtpd.controller import Controller

from digest.demo.smtp_server import free_port


class Counting:
    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
        self.count += 1
        self.bytes += len(envelope.content)
        return "250 2.0.0 queued"


def main() -> None:
    handler = Counting()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=None)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"port {port}", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()
    print(f"received {handler.count} messages, {handler.bytes} bytes", flush=True)


if __name__ == "__main__":
    main()
