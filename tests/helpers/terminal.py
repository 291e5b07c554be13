"""A `digest` command run on a pseudo-terminal, as in a terminal (in_a_terminal): everything it wrote;
digest, the command line of one."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from typing import IO

from conftest import Workspace


def digest(ws: Workspace, *args: str) -> list[str]:
    return [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]


def in_a_terminal(cmd: list[str], status: int = 0, stdout: IO[str] | None = None) -> str:
    """Run ``cmd`` with stdin, stdout and stderr on a pseudo-terminal; everything it wrote (its
    exit status ``status``). ``stdout``: a file its stdout goes to instead (a pipe's, a redirect's)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    out = stdout if stdout is not None else slave
    proc = subprocess.Popen(cmd, stdin=slave, stdout=out, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=60) == status, out.decode(errors="replace")
    return out.decode(errors="replace")
