"""A server that offers its login methods in lower case ("250-AUTH plain login") offers ours: we
log in (PLAIN, said in upper case as smtplib always says it) and the digest is sent. SMTP's
keywords are case-blind (RFC 5321), SASL's names upper case (RFC 4422). Before, smtplib's
SMTP.login looked for "PLAIN" among "plain login" by exact case, and `digest send` said "the SMTP
server 127.0.0.1:<port> (none) took the connection but failed the login as 'ada': No suitable
authentication method found.; check smtp.username and the password in $SMTP_PASSWORD", and
nothing was ever sent. Real `digest send`, a real raw loopback server (aiosmtpd says its methods
in upper case only)."""

from __future__ import annotations

from helpers.not_sent import row_of_ada, with_smtp
from helpers.raw_smtp import raw_server

LOGIN = "  username: ada\n  password_env: SMTP_PASSWORD\n"


def test_login_methods_offered_in_lower_case_are_ours(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    with raw_server([b"AUTH plain login"]) as server:
        done = with_smtp(tmp_path / "ws", server.port, LOGIN).cli("send")
    assert row_of_ada(done).endswith("1 paper  sent"), done.output
    assert b"AUTH PLAIN AGFkYQBzZWNyZXQ=" in server.commands  # "\0ada\0secret"
    assert len(server.messages) == 1
