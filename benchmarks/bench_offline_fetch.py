"""`digest fetch` of config.example.yaml's two sources on a machine offline.

    python benchmarks/bench_offline_fetch.py

Runs the real command in namespaces of its own with no network but the loopback (``unshare
--user --net``, as a laptop on a train: the resolver unreachable, every route gone) and prints
how long it took and how many tries each source had. DIGEST_SRC=path runs another checkout's
digest (for before/after in the same run). Needs unshare (user namespaces allowed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = os.environ.get("DIGEST_SRC") or str(Path(__file__).resolve().parents[1])
CONFIG = """database: digest.db
inbox: inbox
profiles: profiles
timezone: UTC
sources:
  - kind: hf_daily
  - kind: arxiv_listing
    categories: [cs.CL, cs.LG]
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config.yaml").write_text(CONFIG)
        (root / "inbox").mkdir()
        (root / "profiles").mkdir()
        command = ["unshare", "--user", "--map-root-user", "--net", sys.executable, "-m", "digest"]
        env = {**os.environ, "PYTHONPATH": SRC}
        started = time.monotonic()
        done = subprocess.run(
            [*command, "--config", str(root / "config.yaml"), "fetch"],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
        )
        took = time.monotonic() - started
    print(f"digest fetch offline ({SRC}): {took:.1f} s, exit {done.returncode}")
    for line in done.stdout.splitlines():
        print(f"  {line[:60]}... {line[line.rfind('(after') :]}")


if __name__ == "__main__":
    main()
