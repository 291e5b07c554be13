"""`digest send --user ada --force` while ada's earlier digest waits for its retry: that digest is
tried again at once (it is ada's mail), and this send makes a new one only of what it does not hold.
So ada gets two rows, rightly: two messages when something came since (both wait in the outbox,
both listed by `status`), or the earlier one's and "nothing new". The earlier one's row now says
so ("earlier digest: deferred until ..."), and the row of a send that made nothing says why
("nothing new besides the earlier digest above"). Before, the two rows read alike ("1 paper
deferred until ..." twice), or "0 papers  nothing new" beside a digest of 1 paper. Real aiosmtpd
deferring every message, real SQLite, real `digest send` and `digest status`."""

from __future__ import annotations

from helpers.not_sent import Defers, ready

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump


def rows_of_ada(done) -> list[str]:
    return [line.split(None, 2)[2] for line in done.stdout.splitlines() if line.startswith("ada ")]


def test_a_forced_send_beside_a_waiting_digest_says_which_row_is_which(tmp_path):
    with LocalSmtpServer(Defers()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        assert ws.cli("send").exit_code == 1  # ada's first digest waits for its retry
        earlier, nothing = rows_of_ada(ws.cli("send", "--user", "ada", "--force"))
        assert earlier.startswith("1 paper  earlier digest: deferred until 20"), earlier
        assert nothing == "0 papers  nothing new besides the earlier digest above", nothing

        ws.dump("day2.txt", make_dump("Mar 15", [("Neuromorphic Memory", "About neuromorphic memory.")]))
        earlier, new = rows_of_ada(ws.cli("send", "--user", "ada", "--force"))
        assert earlier.startswith("1 paper  earlier digest: deferred until 20"), earlier
        assert new.startswith("1 paper  deferred until 20"), new
        status = ws.cli("status").stdout
    assert status.count("  ada <ada@example.org>: ") == 2, status  # two messages indeed wait


def test_a_plain_retry_is_said_as_before(tmp_path):
    with LocalSmtpServer(Defers()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        ws.cli("send")
        (row,) = rows_of_ada(ws.cli("send"))  # the same period, not forced: the retry alone
    assert row.startswith("1 paper  deferred until 20"), row
