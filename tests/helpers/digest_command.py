"""A real `digest ARGS` process on a workspace's config, run to its end: for the tests of one
command's words (exit code, stdout, stderr), with no server around it."""

from __future__ import annotations

import subprocess
import sys


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest --config <ws' config> ARGS`, its output as text (two minutes at the most)."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)
