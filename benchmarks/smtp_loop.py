"""The reference for bench_send: a bare smtplib loop sending .eml files over N connections.

    python benchmarks/smtp_loop.py --port 2525 --connections 1 DIR

Each connection is one thread with one reused smtplib.SMTP; the files are split among them in
turn. Envelope: the From and To headers of each file. Prints "sent N".
"""

from __future__ import annotations

import argparse
import re
import smtplib
import threading
from email.utils import parseaddr
from pathlib import Path

HEADER = re.compile(rb"^(From|To): (.*)$", re.MULTILINE | re.IGNORECASE)


def envelope(data: bytes) -> tuple[str, str]:
    head = data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    found = {k.decode().lower(): v.decode().strip() for k, v in HEADER.findall(head)}
    return parseaddr(found["from"])[1], parseaddr(found["to"])[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--connections", type=int, default=1)
    args = ap.parse_args()
    files = sorted(args.folder.glob("*.eml"))
    sent = [0] * args.connections

    def work(k: int) -> None:
        with smtplib.SMTP("127.0.0.1", args.port) as conn:
            for path in files[k :: args.connections]:
                data = path.read_bytes()
                sender, rcpt = envelope(data)
                conn.sendmail(sender, [rcpt], data)
                sent[k] += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"sent {sum(sent)}")


if __name__ == "__main__":
    main()
