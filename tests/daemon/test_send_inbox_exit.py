"""`digest send` takes in the inbox's dumps first, as a pass does; one it cannot read is kept in
inbox/failed/ and said in red, and an inbox it cannot use is said too. It sent the digests and
exited 0 all the same, where `digest ingest` exits 1 for the same dump (and `run --once` for an
inbox it cannot use): a cron job saw nothing to look at. It exits 1 now, the digests sent.
Real `digest` processes, aiosmtpd on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import NOW, Workspace, make_dump

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [neuromorphic]\n"
PAPERS = [("Neuromorphic Day One", "Spikes."), ("Unrelated One", "Soup.")]
NOT_UTF8 = b"\xff\xfe not utf-8"


def digest(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_send_exits_1_after_a_dump_it_took_in_was_unreadable_as_ingest_does(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS), mtime=NOW)  # saved in 2026: Mar 15 of 2026
    ws.dump("bad.txt", NOT_UTF8)
    sent = digest(ws, "send")
    failed = ws.root / "inbox" / "failed"
    assert "d1.txt: 2026-03-15, 2 entries: 2 new papers" in sent.stdout and "1 paper  sent" in sent.stdout, (
        sent.stdout
    )
    assert f"rejected: {ws.root / 'inbox' / 'bad.txt'}:1: not UTF-8 text" in sent.stderr
    assert sent.stderr.rstrip().endswith(f"; kept in {failed / 'bad.txt'}"), sent.stderr
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ada@example.org"]]  # the digest went
    assert sent.returncode == 1, sent.stdout + sent.stderr  # was: 0
    ws.dump("bad2.txt", NOT_UTF8)  # the same dump, through `digest ingest`
    ingested = digest(ws, "ingest")
    assert ingested.returncode == 1 and f"kept in {failed / 'bad2.txt'}" in ingested.stderr
    again = digest(ws, "send")  # nothing unreadable taken in this time
    assert again.returncode == 0 and "already sent today" in again.stdout, again.stdout + again.stderr


def test_send_exits_1_when_it_could_not_use_the_inbox_as_ingest_and_run_once_do(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS))
    assert digest(ws, "ingest").returncode == 0
    shutil.rmtree(ws.root / "inbox")
    (ws.root / "inbox").write_text("a file where the inbox folder was\n")
    sent = digest(ws, "send")
    assert "error: " in sent.stderr and "the inbox folder is not a folder" in sent.stderr, sent.stderr
    assert "1 paper  sent" in sent.stdout and len(smtp_server.messages) == 1, sent.stdout
    assert sent.returncode == 1, sent.stdout + sent.stderr  # was: 0
    assert digest(ws, "ingest").returncode == 1


def test_run_once_exits_1_after_a_dump_it_took_in_was_unreadable_as_send_and_ingest_do(mail_workspace):
    """`run --once` said the dump it put aside and exited 0 (a cron job or a timer saw nothing);
    it exits 1 now, as `send` and `ingest` do for the same dump, and 0 at the next pass."""
    ws = mail_workspace
    ws.dump("bad.txt", NOT_UTF8)
    once = digest(ws, "run", "--once")
    kept = ws.root / "inbox" / "failed" / "bad.txt"
    assert kept.exists() and "bad.txt" in once.stdout + once.stderr, once.stdout + once.stderr
    assert once.returncode == 1, once.stdout + once.stderr  # was: 0
    again = digest(ws, "run", "--once")  # nothing refused this time
    assert again.returncode == 0, again.stdout + again.stderr
