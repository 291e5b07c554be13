"""`digest preview` as a reader's tests run it: the real command in a process of its own."""

from __future__ import annotations

import subprocess
import sys


def preview(ws, user: str = "ada") -> subprocess.CompletedProcess[str]:
    """`digest preview <user> --text` with the workspace ``ws``'s config; it must succeed (what it
    printed is in the result's stdout, its notes in stderr)."""
    run = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "preview", user, "--text"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run
