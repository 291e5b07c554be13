"""A profile file removed before its reader was ever sent a digest closes no email's links: the
pass that finds it gone says so, and says "their links open nothing from now on" only of the
names that were sent one. Real `digest` processes, a real aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import a_minute_ago, make_dump

pytestmark = pytest.mark.backends
PAPERS = [("Robots That Stack Cups", "Robots stack cups. They rarely drop one.")]


def aged(*paths: Path) -> None:
    for path in paths:
        os.utime(path, (time.time() - 60, time.time() - 60))


def digest(ws, *args: str) -> str:
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_a_profile_removed_before_its_first_digest_is_not_said_to_close_links(mail_workspace, smtp_server):
    # Before: dan, made and removed with no digest ever sent, was logged "profile file(s) gone: dan
    # (their links open nothing from now on)", as ada whose emails hold links
    ws = mail_workspace
    today = make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", PAPERS)  # today's listing
    ws.dump("day.txt", today, mtime=a_minute_ago())
    ws.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    first = digest(ws, "send")
    assert len(smtp_server.messages) == 1, first  # ada's digest
    ws.profile("dan", "email: dan@example.org\ninterests: [volcanoes]\n")
    # eve stays: a folder left with no profile is not looked at (an unmounted disk?)
    ws.profile("eve", "email: eve@example.org\ninterests: [volcanoes]\n")
    folder = ws.root / "profiles"
    aged(folder / "dan.yaml", folder / "eve.yaml", folder)  # written a while ago: settled
    digest(ws, "run", "--once")  # dan: nothing matched, nothing sent
    assert len(smtp_server.messages) == 1
    for user in ("ada", "dan"):
        (folder / f"{user}.yaml").unlink()
    aged(folder)
    said = digest(ws, "run", "--once")
    assert "profile file(s) gone: ada (their links open nothing from now on)" in said, said
    assert "profile file(s) gone: dan (never sent a digest: no email's links to close)" in said, said
    assert "dan (their links" not in said and "ada, dan" not in said
