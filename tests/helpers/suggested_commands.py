"""The command an error suggests: `digest ARGS` refused, the one `digest ...` it says instead (refused),
that line run by bash as a user pastes it (in_bash), and a profile read back after (profile)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from digest import yamlio
from digest.errors import ProfileError


def refused(ws, *args: str) -> str:
    """`digest ARGS` in its own process: exit 1, the command it suggests instead (the one in `...`)."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    suggested = re.findall(r"`(digest [^`]*)`", done.stderr)
    assert len(suggested) == 1, done.stderr
    return suggested[0]


def in_bash(ws, line: str) -> None:
    """``line`` (a `digest ...` command an error suggests) run by bash as a user pastes it."""
    run = f"{shlex.quote(sys.executable)} -m digest --config {shlex.quote(str(ws.config_path))}"
    done = subprocess.run(
        ["bash", "-c", f'digest() {{ {run} "$@"; }}\n{line}\n'], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def profile(ws, user: str) -> dict:
    path = ws.root / "profiles" / f"{user}.yaml"
    return yamlio.load(path.read_text(), str(path), ProfileError)
