"""A reader's profile file the account that runs `digest` may not read (mode 000, another account's
0600): the others get their digest, and the log and `digest status` say the file, why and the mode
to give. Real `digest` processes, run as root without its right to read any file (setpriv)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest
from helpers.faked import clock_at, needs_faketime

from conftest import make_dump

pytestmark = [pytest.mark.backends, needs_faketime]

SAVED = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)  # the listing of Mar 14, saved that morning
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # the first pass, ten minutes after the send time

# root, without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: a file's mode holds for it as for any account
NOT_READING_ALL = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def digest(ws, *args: str, minutes: int = 0) -> subprocess.CompletedProcess:
    """`digest <args>` with root's right to read any file dropped, ``minutes`` after SENT."""
    command = [*NOT_READING_ALL, sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    env = clock_at(SENT + dt.timedelta(minutes=minutes), {**os.environ, "TZ": "UTC"})
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_a_profile_this_account_may_not_read_is_said_with_the_mode_to_give(mail_workspace, smtp_server):
    """bob.yaml at mode 000: `digest run --once` and `digest status` said "cannot read the profile:
    [Errno 13] Permission denied: '<bob.yaml again>'", Python's words, no fix said."""
    if shutil.which("setpriv") is None or digest(mail_workspace, "--version").returncode:
        pytest.skip("setpriv cannot drop root's right to read any file here")
    ws = mail_workspace
    ws.dump(
        "day.txt", make_dump("Mar 14", [("Neuromorphic", "An event-driven neuromorphic chip.")]), mtime=SAVED
    )
    for user in ("ada", "bob", "cy"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '11:50'\n")
    bob = ws.root / "profiles" / "bob.yaml"
    bob.chmod(0)
    said = (
        f"{bob}: this account may not read the profile (Permission denied); run this as the account "
        f"that owns the file, or let this one read it (chmod a+r {bob}, or a group of both with g+r)"
    )

    run = digest(ws, "run", "--once")
    assert run.returncode == 1, run.stdout + run.stderr
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["ada@example.org", "cy@example.org"]
    assert f"profile skipped: {said}; its reader gets nothing until it is fixed" in run.stderr, run.stderr
    assert "Errno" not in run.stdout + run.stderr
    status = digest(ws, "status", minutes=1)
    assert f"Profiles with errors (skipped):\n  {said}\n" in status.stdout, status.stdout + status.stderr

    bob.chmod(0o644)  # mended: bob's digest comes at the next pass, the others' not again
    assert digest(ws, "run", "--once", minutes=2).returncode == 0
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        f"{u}@example.org" for u in ("ada", "bob", "cy")
    ]
