"""A server that cannot be reached on `smtp.security: none` was said "cannot connect to the SMTP
server 127.0.0.1:PORT (none): ...", "(none)" reading as no security said at all, or no server
(security: none is the default). It is said as what it is now: "(no TLS)", as "(starttls)" and
"(ssl)" say theirs. A real `digest send` to a loopback port nobody
listens on; the outbox row, which `digest status` and the next pass read, holds the same words."""

from __future__ import annotations

from digest.demo.smtp_server import free_port

from conftest import Workspace, make_dump


def test_a_server_not_reached_without_tls_is_said_by_its_setting(tmp_path):
    port = free_port()  # kept, not listening: the connection is refused
    ws = Workspace(tmp_path, smtp_port=port)
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.cli("ingest")
    done = ws.cli("send")
    said = f"cannot connect to the SMTP server 127.0.0.1:{port} (no TLS): "
    assert said in done.output, done.output
    assert f"127.0.0.1:{port} (none)" not in done.output, done.output
    assert "not sent: the mail server could not be reached; waits until " in done.output, done.output
    status = ws.cli("status").output
    assert f"last reply: {said}[Errno 111] Connection refused" in status, status
