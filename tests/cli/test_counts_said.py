"""A count `digest send` says is said in words that agree with it: "1 profile skipped", "2 profiles
skipped", "1 digest waits in the outbox and is retried", "2 digests wait ... and are retried". Before,
"1 profile(s) skipped: see above", "2 digest(s) wait in the outbox and are retried".

Real parts: real `digest` processes, a real raw SMTP server that greets with a refusal, the config,
profiles and SQLite database on disk."""

from __future__ import annotations

import subprocess
import sys

from helpers.not_sent import ADA, greeting, ready

from conftest import Workspace


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_profiles_skipped_are_counted_in_agreeing_words(workspace):
    ws = workspace
    ws.profile("ada", ADA)
    ws.profile("bob", "email: [unclosed\n")
    one = digest(ws, "send", "--dry-run")
    assert one.returncode == 1, one
    assert one.stderr.endswith("\n1 profile skipped: see above\n"), one.stderr

    ws.profile("cy", "email: [unclosed\n")
    two = digest(ws, "send", "--dry-run")
    assert two.returncode == 1, two
    assert two.stderr.endswith("\n2 profiles skipped: see above\n"), two.stderr


def test_digests_left_in_the_outbox_are_counted_in_agreeing_words(tmp_path):
    with greeting("421 4.3.2 busy, try later") as port:
        ws = ready(Workspace(tmp_path, port))
        ws.profile("bob", ADA.replace("ada@", "bob@"))
        done = digest(ws, "send")
    assert done.returncode == 1, done
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "; 2 digests wait in the outbox and are retried from 20" in error, error
