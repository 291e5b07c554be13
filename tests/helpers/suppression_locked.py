"""A real `digest` process under the operator's own PostgreSQL lock_timeout (2 s, shorter than the
30 s a lift of a suppression waits at the most), and what it says when it gives up on a reader's
suppression held by another session: for the tests of `digest profile set ... paused false` and
`digest suppressed --release` while a row is held."""

from __future__ import annotations

import os
import subprocess
import sys

HANG = 120  # seconds: only a command that hangs takes this long
# the operator's own lock_timeout, shorter than the lift's 30 s (SQLite's busy timeout): the one kept
SHORTER = {**os.environ, "PGOPTIONS": "-c lock_timeout=2s"}


def digest_waiting_2_s(ws, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` on ``ws``' config, its lock waits 2 s (SHORTER), run to its end."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, env=SHORTER, text=True, timeout=HANG)


def given_up(done: subprocess.CompletedProcess[str], user: str, holder: int) -> str:
    """What ``done`` said (white space folded), asserted: exit 1, and ``user``'s suppression said
    locked for 2 s by pid ``holder``, a session named 'held by the test', idle in transaction."""
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"{user}'s suppression stayed locked by another session for 2 s (held by pid {holder}, application "
        "'held by the test', idle in transaction since "
    ) in said, said
    return said
