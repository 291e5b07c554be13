"""free_port (digest.demo.smtp_server), the port of the tests' servers (aiosmtpd cannot bind port
0): the port it gives is kept for its caller until release_ports() (a test's end). Between the
probe and the server's bind, no one else takes it: another test run's probe, an outgoing
connection's own port, any bind without SO_REUSEADDR; the server meant for it binds it."""

from __future__ import annotations

import errno
import smtplib
import socket

from digest.demo.smtp_server import LocalSmtpServer, free_port, release_ports


def bound_by_another(port: int) -> bool:
    """Can another socket (no SO_REUSEADDR, as a connection's own port or a plain probe) take it?"""
    with socket.socket() as other:
        try:
            other.bind(("127.0.0.1", port))
        except OSError as e:
            assert e.errno == errno.EADDRINUSE
            return False
        return True


def test_a_port_free_port_gave_is_no_one_elses_and_its_server_binds_it():
    port = free_port()
    assert not bound_by_another(port)  # before: anyone's, until the server bound it
    with socket.socket() as probe:  # nor a connection refused as for any port nobody listens on
        assert probe.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
    with LocalSmtpServer(port=port) as server:
        with smtplib.SMTP("127.0.0.1", port, timeout=300) as client:
            client.sendmail("a@example.org", ["b@example.org"], b"Subject: x\r\n\r\nx\r\n")
        assert [m.rcpt_tos for m in server.messages] == [["b@example.org"]]
    assert not bound_by_another(port)  # still kept once the server is done, until the test's end


def test_release_ports_lets_them_go():
    ports = [free_port() for _ in range(3)]
    release_ports()
    assert all(bound_by_another(port) for port in ports)


def test_free_port_gives_a_port_kept_to_no_one_else_twice():
    ports = {free_port() for _ in range(50)}
    assert len(ports) == 50
