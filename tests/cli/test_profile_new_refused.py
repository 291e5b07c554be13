"""`digest profile new` refused for what it was given (`--email carl.example.org`, a keyword too long)
says that the file was not made, and each problem by its key: not "profiles/carl.yaml: invalid profile:
- line 2: email: ...", a line of a file that is not there, which sent the user looking for it.

Real parts: real `digest` processes, the profiles folder on disk."""

from __future__ import annotations

import subprocess
import sys


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_new_profile_refused_is_said_not_made_by_its_keys(workspace):
    ws = workspace
    path = ws.root / "profiles" / "carl.yaml"
    refused = digest(
        ws, "profile", "new", "carl", "--email", "carl.example.org", "-i", "robots", "-i", "x" * 101
    )
    assert refused.returncode == 1 and refused.stdout == "", refused
    assert refused.stderr == (
        f"error: {ws.config.profiles / 'carl.yaml'} not made (nothing written):\n"
        "  - email: 'carl.example.org' is not a valid email address (no @: an address has one, before "
        "its domain: name@example.org)\n"
        f"  - interests: a keyword of 101 characters ('{'x' * 30}'...); at most 100\n"
    ), refused.stderr
    assert not path.exists()

    made = digest(ws, "profile", "new", "carl", "--email", "carl@example.org", "-i", "robots")
    assert made.returncode == 0 and path.is_file(), made.stderr
