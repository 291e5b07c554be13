"""`digest` run as a user runs it, its machine's clock at a chosen moment (libfaketime).

The library is preloaded by the test itself (:func:`clock_at`), not through the `faketime`
command: that command names a semaphore and a shared memory segment after its own pid
(``/dev/shm/sem.faketime_sem_<pid>``) and removes them when it exits, so one killed (a test's
``SIGKILL``, a timeout) leaves them behind, and a later `faketime` given the same pid stopped
at once: "faketime: sem_open: File exists" (a CI run failed so). The library, preloaded, makes
and leaves such a pair too (to share its clock with the process's children), but finding one
there it goes on without it (libfaketime 0.9.10's ft_shm_create)."""

from __future__ import annotations

import datetime as dt
import glob
import math
import os
import subprocess
import sys
import time

import pytest

LIBFAKETIME = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), None)
needs_faketime = pytest.mark.skipif(LIBFAKETIME is None, reason="needs libfaketime")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """December 2026's ``day`` (the 6th a Sunday), at ``hour``:``minute`` UTC."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def clock_at(at: dt.datetime, env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) for a process whose clock reads ``at`` (UTC when naive)
    as it starts, then goes on at the real pace: libfaketime's offset in whole seconds, rounded so
    the clock never reads before ``at`` (as the `faketime` command does it)."""
    moment = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp()
    offset = math.ceil(moment) - math.floor(time.time())
    faked = {"LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": f"{offset:+d}"}
    return {**(os.environ if env is None else env), **faked}


def digest_at(ws, *args: str, at: dt.datetime, code: int = 0) -> subprocess.CompletedProcess[str]:
    """`digest --config <ws's> <args>` with the clock at ``at`` (UTC), ending with ``code``."""
    done = subprocess.run(_at(ws, args), env=_utc(at), capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    return done


def digest_started_at(
    ws, *args: str, at: dt.datetime, stdout: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """:func:`digest_at`'s process, started in a process group of its own (``os.killpg(p.pid,
    ...)`` reaches it), its output piped (``stdout``: or to that file descriptor): the test ends
    it."""
    pipes = dict(stdout=stdout, stderr=subprocess.PIPE, text=True)
    return subprocess.Popen(_at(ws, args), env=_utc(at), start_new_session=True, **pipes)


def _utc(at: dt.datetime) -> dict[str, str]:
    return clock_at(at, {**os.environ, "TZ": "UTC"})  # as it is now (a test's monkeypatch.setenv included)


def _at(ws, args: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
