"""`digest send` (and `send --user`, `send --dry-run`) for a reader whose address the server refused
for good (a 5xx at RCPT: suppressed) sends them nothing and says why in their row; the row says too
how they get mail again, `digest suppressed --release USER`, as `digest preview` says it: the
refusal alone left the user to find the command. Not a failure: the send exits 0 for it (the send
that met the refusal exited 1). A real aiosmtpd server on loopback that refuses one address."""

from __future__ import annotations

from helpers.refusing import Refusing

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

RELEASE = "gets nothing until `digest suppressed --release bob`"


def test_a_suppressed_readers_row_says_how_to_release_them(tmp_path):
    handler = Refusing({"bob@example.org"}, "550 5.1.1 <{}>: no such user")
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        ws.dump("day.txt", make_dump("Mar 14", [("Spiking Networks", "Spiking networks on events.")]))
        for user in ("ada", "bob"):
            ws.profile(user, f"email: {user}@example.org\ninterests: [spiking]\n")
        first = ws.cli("send")
        assert first.exit_code == 1 and "550 5.1.1" in first.output, first.output
        for args in (("send", "--user", "bob"), ("send", "--dry-run"), ("send",)):
            again = ws.cli(*args)
            row = next(line for line in again.output.splitlines() if line.startswith("bob "))
            assert "suppressed: <bob@example.org> refused on " in row, row
            assert row.endswith(RELEASE), row
            assert again.exit_code == 0, (args, again.output)
        assert ws.cli("suppressed", "--release", "bob").exit_code == 0
        handler.refused.clear()  # the address fixed at the server: the release lets a digest go
        released = ws.cli("send", "--user", "bob", "--force")
        assert released.exit_code == 0 and "sent" in released.output, released.output
    assert [m.rcpt_tos for m in server.messages][-1:] == [["bob@example.org"]], server.messages
