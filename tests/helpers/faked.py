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
    done = subprocess.run(_at(ws, args, at), env=_utc(), capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    return done


def digest_started_at(
    ws, *args: str, at: dt.datetime, stdout: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """:func:`digest_at`'s process, started in a process group of its own (faketime runs `digest` as
    its child: ``os.killpg(p.pid, ...)`` reaches it), its output piped (``stdout``: or to that file
    descriptor): the test ends it."""
    pipes = dict(stdout=stdout, stderr=subprocess.PIPE, text=True)
    return subprocess.Popen(_at(ws, args, at), env=_utc(), start_new_session=True, **pipes)


def _utc() -> dict[str, str]:
    return {**os.environ, "TZ": "UTC"}  # as it is now (a test's monkeypatch.setenv included)


def _at(ws, args: tuple[str, ...], at: dt.datetime) -> list[str]:
    cmd = ["faketime", at.strftime("%Y-%m-%d %H:%M:%S"), sys.executable, "-m", "digest"]
    return cmd + ["--config", str(ws.config_path), *args]
