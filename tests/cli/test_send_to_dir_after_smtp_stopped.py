"""A `digest send` by SMTP stopped with Ctrl-C leaves the digests it made and did not try queued; they
are the readers' email: a `digest send --to-dir DIR` run next (to look at the digests as files) leaves
them queued for SMTP and says so, and the next `digest send` (or the daemon's pass) delivers each once.
Before, `--to-dir` wrote them into DIR and recorded them as delivered: those readers never got them.
The digests a `send --to-dir` made and did not write (the rest of an interrupted `send --to-dir`) are
still written by the next one (tests/cli/test_send_to_dir_interrupted.py): the outbox keeps which
transport a digest was made for (schema 37).

Real parts: a real `digest send` process, a real SIGINT, aiosmtpd on loopback answering each MAIL FROM
after a pause (so the signal lands mid-send), SQLite and PostgreSQL; and a database of schema 36 upgraded."""

from __future__ import annotations

import time

import pytest
from helpers.send_process import SlowMail, readers_to_send, stopped_send

from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, schema_at

READERS = 6


@pytest.mark.backends
def test_to_dir_leaves_the_digests_an_smtp_send_did_not_try_to_smtp(tmp_path, database):
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        command = readers_to_send(ws, READERS)
        out, err, code = stopped_send(command, handler)
        assert code == 130, out + err
        got = len(handler.messages)
        assert 2 <= got < READERS, out + err
        with Store(ws.config.database) as store:
            rows = store.db.execute("SELECT user FROM outbox WHERE status = 'queued'").fetchall()
        untried = {r[0] for r in rows}
        assert untried, out + err  # made, stored, not tried: the case of this test

        files = tmp_path / "out"
        looked = ws.cli("send", "--to-dir", str(files))
        assert looked.exit_code == 0, looked.output
        written = {p.name.split(".")[-2] for p in files.glob("*.eml")}  # digest.<stamp>.<hash>.<user>.eml
        assert not written & untried, looked.output  # before: written, and recorded as delivered
        note = (
            "not written (made for email by a send by SMTP and not tried yet: the daemon's pass or "
            "`digest send` sends it by SMTP): "
        )
        assert looked.stderr.count(note) == len(untried), looked.stderr
        # the readers whose digest was not made yet get theirs made now, as files (this send's choice)

        assert ws.cli("send").exit_code == 0
        assert ws.cli("send").exit_code == 0  # nothing twice
        time.sleep(0.1)
    readers = sorted(m.rcpt_tos[0] for m in handler.messages)
    by_smtp = {f"r{i}" for i in range(READERS)} - written
    assert readers == sorted(f"{u}@example.org" for u in by_smtp), readers  # each once


def test_a_message_queued_before_the_upgrade_not_tried_is_left_to_smtp(tmp_path):
    """Schema 36 did not say which transport a message was made for: one never tried is left to
    SMTP (the reader's email: written, it would count as delivered), one a `send --to-dir` could
    not write (its last reply says so) is written again. Nothing is lost in the upgrade. The one left
    is said as what is known of it: queued before schema 37, left as the reader's email as smtp.from
    is set; before, "made for email by a send by SMTP and not tried yet", which nothing recorded (an
    older `send --to-dir` stopped may have made it)."""
    ws = Workspace(tmp_path, smtp_port=9)
    db = schema_at(tmp_path / "digest.db", 36)
    for i, (attempts, error) in enumerate([(0, None), (1, "cannot write out/x.eml: disk full")]):
        db.execute(
            "INSERT INTO outbox (message_id, user, recipient, subject, mime, paper_ids, status, attempts, "
            "next_attempt_at, created_at, last_error) VALUES (?, ?, ?, 'Digest', ?, '[]', 'queued', ?, "
            "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', ?)",
            (f"<m{i}@example.org>", f"u{i}", f"u{i}@example.org", b"", attempts, error),
        )
        mime = b"Subject: Digest\r\n\r\nHi\r\n"
        db.execute("INSERT INTO outbox_mime (outbox_id, mime, packed) VALUES (?, ?, 0)", (i + 1, mime))
    db.close()
    ws.profile("u0", "email: u0@example.org\ninterests: [neuromorphic]\n")
    ws.profile("u1", "email: u1@example.org\ninterests: [neuromorphic]\n")
    files = tmp_path / "out"
    looked = ws.cli("send", "--to-dir", str(files))
    left = (
        "not written (queued before the upgrade to schema 37, which keeps whether a digest was made for "
        "email or files, and not tried yet: left as the reader's email, as smtp.from is set: the daemon's "
        "pass or `digest send` sends it by SMTP): u0 <u0@example.org>: 0 attempts"
    )
    assert left in looked.stderr, looked.output
    assert "made for email by a send by SMTP" not in looked.stderr, looked.output  # not known
    assert [p.name for p in files.glob("*.eml")] == ["m1.eml"], looked.output
    with Store(ws.config.database) as store:
        rows = store.db.execute("SELECT user, status FROM outbox ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("u0", "queued"), ("u1", "sent")]
