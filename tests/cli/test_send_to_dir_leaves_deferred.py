"""`digest send --to-dir DIR` writes the digests it makes now as files, to look at them; a digest a
mail server deferred (451) and that waits in the outbox for its retry is the reader's email, not
one to look at: it is left queued, said so on stderr, and the reader gets it by SMTP at its retry,
once. Before, `--to-dir` wrote it into DIR and recorded it as delivered: the reader never got it.
A real SMTP server on loopback (aiosmtpd) that defers, then accepts."""

from __future__ import annotations

from typing import Any

import pytest

from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


class DefersFirst(Mailbox):
    """Answers 451 while ``deferring``, then takes every message (in ``messages``)."""

    deferring = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.deferring:
            return "451 4.3.0 try later"
        return await super().handle_DATA(server, session, envelope)


def test_a_deferred_digest_is_not_written_by_to_dir_and_reaches_its_reader_by_smtp_once(tmp_path, database):
    handler = DefersFirst()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        first = ws.cli("send")
        assert "deferred until" in first.output and "451 4.3.0 try later" in first.output, first.output

        out = tmp_path / "out"
        looked = ws.cli("send", "--to-dir", str(out))
        assert looked.exit_code == 0, looked.output
        assert not out.exists() or not list(out.glob("*.eml")), looked.output
        assert (
            "not written (deferred by the mail server, it waits for its retry by SMTP: the daemon's pass or "
            "`digest send` sends it then): ada <ada@example.org>: 1 attempt, next "
        ) in looked.stderr, looked.stderr
        with Store(ws.config.database) as store:
            (row,) = store.db.execute("SELECT status, attempts FROM outbox").fetchall()
        assert tuple(row) == ("queued", 1)  # its retry time as the server's deferral set it

        handler.deferring = False
        assert ws.cli("send").exit_code == 0
        assert ws.cli("send").exit_code == 0  # nothing sent twice
    assert [m.rcpt_tos for m in handler.messages] == [["ada@example.org"]]


def test_the_digests_it_makes_now_are_written(tmp_path, database):
    with LocalSmtpServer(DefersFirst()) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        done = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    assert done.exit_code == 0 and "written to" in done.output, done.output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 1
