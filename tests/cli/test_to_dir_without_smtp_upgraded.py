"""A folder with no mail server (no smtp: section) sends with `digest send --to-dir DIR` only. A
`send --to-dir` of the release before schema 37 stopped with Ctrl-C left digests queued, never
tried, and said "`digest send --to-dir DIR` writes the rest". After the upgrade, the next
`send --to-dir` writes them, as before it: schema 36 did not say which send made a message, and
here nothing sends by SMTP. Before, `--to-dir` left them "made for email by a send by SMTP ... the
daemon's pass or `digest send` sends it by SMTP", and `digest send` refused ("smtp.from: required
to send by SMTP ... or `digest send --to-dir DIR`"): those readers never got that day's digest.
(With SMTP configured, such a message is left to it: tests/cli/test_send_to_dir_after_smtp_stopped.py.)

Real parts: a SQLite database at schema 36 upgraded by the real `digest send --to-dir`."""

from __future__ import annotations

import pytest

from digest.store import Store

from conftest import Workspace, schema_at


# no smtp: section; or one without smtp.from, which sends nothing by SMTP either (README: Upgrading)
@pytest.mark.parametrize("smtp", ["", "smtp:\n  host: mail.example.org\n"])
def test_to_dir_without_smtp_writes_what_an_older_to_dir_left_untried(tmp_path, smtp):
    ws = Workspace(tmp_path)
    ws.config_path.write_text(f"database: digest.db\ninbox: inbox\nprofiles: profiles\n{smtp}")
    db = schema_at(tmp_path / "digest.db", 36)
    db.execute(
        "INSERT INTO outbox (message_id, user, recipient, subject, mime, paper_ids, status, attempts, "
        "next_attempt_at, created_at) VALUES ('<m0@example.org>', 'u0', 'u0@example.org', 'Digest', ?, "
        "'[]', 'queued', 0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
        (b"",),
    )
    db.execute(
        "INSERT INTO outbox_mime (outbox_id, mime, packed) VALUES (1, ?, 0)",
        (b"Subject: Digest\r\n\r\nHi\r\n",),
    )
    db.close()
    ws.profile("u0", "email: u0@example.org\ninterests: [neuromorphic]\n")
    files = tmp_path / "out"

    looked = ws.cli("send", "--to-dir", str(files))
    assert looked.exit_code == 0, looked.output
    assert "not written" not in looked.stderr, looked.stderr  # before: "made for email by a send by SMTP"
    assert [p.name for p in files.glob("*.eml")] == ["m0.eml"], looked.output
    with Store(ws.config.database) as store:
        rows = store.db.execute("SELECT user, status FROM outbox").fetchall()
    assert [tuple(r) for r in rows] == [("u0", "sent")]
