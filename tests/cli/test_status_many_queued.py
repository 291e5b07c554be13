"""`digest status` with many digests queued (the SMTP server away all morning): it read every queued
message's bytes (its MIME, unpacked) to list one line each, and listed them all (5,000 queued:
a peak of 257 MiB resident on SQLite, 342 MiB on PostgreSQL; benchmarks/bench_status_queued.py).
It reads them without their bytes now (75 and 88 MiB), and lists the QUEUED_SHOWN waiting
longest, counting the others."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends

MIME = b"From: d@example.org\r\nTo: r@example.org\r\nSubject: digest\r\n\r\nhello\r\n"


def queue_fifty(ws) -> None:
    """Fifty readers, r00 to r49, each with a digest queued, a minute apart from NOW (r00 first)."""
    with Store(ws.config.database) as store:
        outbox = Outbox(store)
        with store.transaction():
            for i in range(50):
                ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [robots]\n")
                outbox.enqueue(
                    user=f"r{i:02d}", recipient=f"r{i:02d}@example.org", message_id=f"<m{i}@example.org>",
                    subject="digest", mime=MIME, paper_ids=[], now=NOW + dt.timedelta(minutes=i),
                )  # fmt: skip


def test_status_lists_the_messages_waiting_longest_without_reading_their_bytes(workspace):
    ws = workspace
    queue_fifty(ws)
    with Store(ws.config.database) as store:  # the last one's bytes damaged: a status reading them fails
        store.db.execute(
            "UPDATE outbox_mime SET mime = ? WHERE outbox_id = (SELECT MAX(id) FROM outbox)", (b"x",)
        )
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "status"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # was: the damaged bytes, unpacked
    section = done.stdout.split("Messages waiting to be sent:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section[0].startswith("  r00 <r00@example.org>: 0 attempts, next "), section
    assert [line.split()[0] for line in section[:20]] == [f"r{i:02d}" for i in range(20)]
    assert section[20:] == [  # was: all 50; then "... and 30 more (the 20 waiting longest are listed)"
        "  ... and 30 more (the 20 waiting longest are listed; `digest status --queued` lists them all)"
    ], section


def test_status_queued_lists_every_message_waiting(workspace):
    """`digest status` listed 20 queued and "... and 30 more", and no command listed the 30:
    `digest status --queued` said "No such option '--queued'". It prints every queued message, one
    line each, oldest first, as status lists them; nothing else."""
    ws = workspace
    queue_fifty(ws)
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "status", "--queued"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [f"r{i:02d}" for i in range(50)], done.stdout
    assert lines[49].startswith("r49 <r49@example.org>: 0 attempts, next "), lines[49]
