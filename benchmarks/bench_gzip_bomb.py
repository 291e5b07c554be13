"""The peak memory of a real `digest fetch` of a gzip bomb: a small body that unpacks to a lot.

    python benchmarks/bench_gzip_bomb.py --unpacked-mb 1024 --coding gzip

Serves, on a loopback HTTP server, a listing whose body is ``--unpacked-mb`` MB of spaces
compressed (Content-Encoding ``--coding``: gzip or deflate; about 1 MB on the wire for 1 GB),
runs `digest fetch` on it under /usr/bin/time -v and prints the fetch's line and its peak
resident memory, beside that of a fetch of a small plain listing (the baseline). The fetch
refuses the document (over the 10 MB limit) either way; what it costs to find that out is the
figure. DIGEST_SRC=path runs another checkout's digest (for before/after in the same run).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(os.environ.get("DIGEST_SRC") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from digest.demo.http_server import LocalHttpServer, Route  # noqa: E402

PLAIN = b"[]"


def bomb(megabytes: int, coding: str) -> bytes:
    """``megabytes`` MB of spaces in a JSON array, compressed as ``coding`` says."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS)
    block = b" " * 2**20
    parts = [packer.compress(b"[")]
    parts += [packer.compress(block) for _ in range(megabytes)]
    parts += [packer.compress(b"]"), packer.flush()]
    return b"".join(parts)


def fetch(root: Path, url: str) -> tuple[str, int]:
    """`digest fetch` of ``url`` under /usr/bin/time -v: its last line and peak RSS (KB)."""
    config = root / "config.yaml"
    config.write_text(
        f"database: {root}/d.db\ninbox: {root}/inbox\nprofiles: {root}/profiles\n"
        f"sources:\n  - kind: url\n    name: s\n    url: {url}\n"
    )
    digest = [sys.executable, "-c", "import sys; from digest.cli import main; sys.exit(main())"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        ["/usr/bin/time", "-v", *digest, "--config", str(config), "fetch"],
        capture_output=True, text=True, env=env, cwd=root,
    )  # fmt: skip
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)[1])
    said = [line for line in (run.stdout + run.stderr).splitlines() if "fetched" in line or "s:" in line]
    return (said[0] if said else run.stdout.strip()[-200:]), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--unpacked-mb", type=int, default=1024)
    ap.add_argument("--coding", choices=("gzip", "deflate"), default="gzip")
    args = ap.parse_args()
    body = bomb(args.unpacked_mb, args.coding)
    routes = {
        "/plain": Route(PLAIN),
        "/bomb": Route(body, headers={"Content-Encoding": args.coding}),
    }
    with LocalHttpServer(routes) as server, tempfile.TemporaryDirectory() as tmp:
        for name in ("plain", "bomb"):
            root = Path(tmp) / name
            root.mkdir()
            said, peak = fetch(root, server.url(f"/{name}"))
            print(f"{name}: peak RSS {peak / 1024:.0f} MB ({len(routes['/' + name].body):,} bytes sent)")
            print(f"  {said}")
    print(f"the bomb: {args.unpacked_mb} MB of spaces in {len(body):,} bytes of {args.coding}")


if __name__ == "__main__":
    main()
