"""`digest` run as a user runs it, its machine's clock at a chosen moment (libfaketime)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

needs_faketime = pytest.mark.skipif(
    subprocess.run(["which", "faketime"], capture_output=True).returncode != 0, reason="needs libfaketime"
)


def digest_at(ws, *args: str, at: dt.datetime, code: int = 0) -> subprocess.CompletedProcess[str]:
    """`digest --config <ws's> <args>` with the clock at ``at`` (UTC), ending with ``code``."""
    cmd = ["faketime", at.strftime("%Y-%m-%d %H:%M:%S"), sys.executable, "-m", "digest"]
    cmd += ["--config", str(ws.config_path), *args]
    done = subprocess.run(cmd, env={**os.environ, "TZ": "UTC"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    return done
