"""`digest send --to-dir DIR` that could not write a digest (the folder could not be made, the disk
was full) leaves it queued, "tried again later": the next `send --to-dir` writes it. Only a digest a
mail server deferred is left for its retry by SMTP (tests/cli/test_send_to_dir_leaves_deferred.py);
one the file transport could not write is no mail server's, and is not said to be one's. Before,
the next `send --to-dir` left it queued too, saying "not written (deferred by the mail server ...)":
a reader who only ever looks at files never got it. Real files, a real loopback SMTP server
(never offered a message here)."""

from __future__ import annotations

from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = __import__("pytest").mark.backends


def test_a_digest_it_could_not_write_is_written_by_the_next_send_to_dir(tmp_path):
    handler = Mailbox()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        blocked = tmp_path / "blocked"
        blocked.write_text("a file where the folder's parent should be\n")
        out = blocked / "out"
        failed = ws.cli("send", "--to-dir", str(out))
        assert "not written; waits until" in failed.output and "cannot write" in failed.output, failed.output
        assert "not written (deferred by the mail server" not in failed.stderr, failed.stderr

        blocked.unlink()
        again = ws.cli("send", "--to-dir", str(out))
        assert again.exit_code == 0, again.output
        assert "written to" in again.output, again.output
        assert "deferred by the mail server" not in again.stderr, again.stderr
        assert len(list(out.glob("*.eml"))) == 1
        with Store(ws.config.database) as store:
            (row,) = store.db.execute("SELECT status FROM outbox").fetchall()
        assert tuple(row) == ("sent",)
    assert handler.messages == []  # the reader's digest went to the files only
