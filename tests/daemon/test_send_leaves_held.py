"""`digest send` retries at once the messages waiting for its readers, but leaves those another
process holds (deliver_due claims only what is free): ada's digest of the day before, deferred and
due again, held by a `digest send` killed since (its lease running ten minutes more), was left
without a word, the send exiting 0 with "ada ... 1 paper sent" (today's) and nothing on stderr. It
says who holds it, that it is gone, and when another sends it; so does `send --dry-run`, which does
not list it among the earlier digests the send retries."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database


def held_before(ws: Workspace, url: str) -> dt.datetime:
    """ada's digest of the day before in ``ws`` (on ``url``), deferred once and due again, held by a
    process with no session on the database (killed), its lease ten minutes more; when it was set."""
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chips", "An event-driven chip.")]))
    assert ws.cli("ingest").exit_code == 0
    now = wall_clock()
    with Store(url) as store:
        with store.transaction():
            before = Outbox(store).enqueue(
                user="ada", recipient="ada@example.org", message_id="<before@example.org>",
                subject="digest", mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[],
                now=now - dt.timedelta(days=1),
            )  # fmt: skip
        with store.transaction() as db:  # deferred once, due again
            db.execute(
                "UPDATE outbox SET attempts = 1, last_error = '451 try later', next_attempt_at = ? "
                "WHERE id = ?",
                ((now - dt.timedelta(minutes=1)).isoformat(), before),
            )
        # held by a process with no session on the database (killed): its lease ten minutes more
        assert Outbox(store).claim([before], "vm:4242:deadbeef", now, dt.timedelta(minutes=10))
    return now


HELD = (
    " is held by `digest send` vm:4242:deadbeef, which is gone (no session of it on the database: "
    "killed, or its machine down); another worker or `digest send` sends it once its lease ends "
)


def test_a_send_says_a_due_digest_held_by_a_process_gone(tmp_path, smtp_server):
    with postgres_database() as url:
        ws = Workspace(tmp_path, smtp_server.port, database=str(url))
        now = held_before(ws, url)
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        sent = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stderr
    assert "1 paper  sent" in sent.stdout, sent.stdout  # today's
    ends = (now + dt.timedelta(minutes=10)).astimezone(dt.UTC)
    assert "ada <ada@example.org>: the digest queued on " in sent.stderr and HELD in sent.stderr, sent.stderr
    assert (
        f"its lease ends at {ends:%H:%M}:" in sent.stderr or f"{ends:%a %Y-%m-%d} at" in sent.stderr
    )  # was: nothing


def test_a_dry_run_says_it_as_the_send_does(tmp_path, smtp_server):
    """`send --dry-run` lists the earlier digests the send retries ("earlier digest: queued ...;
    waiting (`digest send` retries it)"): not this one, which the send leaves to its holder; it says
    who holds it, as the send does. Before, it listed it as retried, and said nothing of its holder."""
    with postgres_database() as url:
        ws = Workspace(tmp_path, smtp_server.port, database=str(url))
        held_before(ws, url)
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", "--dry-run"]
        dry = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    rows = [line for line in dry.stdout.splitlines() if line.startswith("ada ")]
    # today's alone, as the send's; was, above it, "earlier digest: ...; waiting (`digest send` retries it)"
    assert len(rows) == 1 and rows[0].endswith("1 paper"), dry.stdout
    assert "ada <ada@example.org>: the digest queued on " in dry.stderr and HELD in dry.stderr, dry.stderr
