"""A server that offers a login (AUTH) only by methods we do not have (GSSAPI, NTLM, XOAUTH2: we log
in with CRAM-MD5, PLAIN or LOGIN) is said so, with the methods it offers: "the SMTP server
host:port (none) offers no login method of ours to log in as 'ada': it offers GSSAPI NTLM, we
log in with CRAM-MD5, PLAIN or LOGIN; many servers offer PLAIN and LOGIN only over TLS: set
smtp.security: starttls ..." (over TLS: use a server that offers one of ours). Its digest waits
until the config is fixed, as one of a server that offers no login ("the mail server does not
take our smtp settings"). Before, "took the connection but failed the login as 'ada': No
suitable authentication method found.; check smtp.username and the password in $SMTP_PASSWORD":
neither was ever sent. Real aiosmtpd offering
only methods of its own, real `digest send`, real SQLite."""

from __future__ import annotations

from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from test_not_delivered_said import row_of_ada, with_smtp

from digest.demo.smtp_server import Mailbox, free_port

SETTINGS = "not sent: the mail server does not take our smtp settings; waits until 20"


class OtherMethods(Mailbox):
    """Offers AUTH GSSAPI and NTLM only (aiosmtpd offers a handler's auth_<METHOD>)."""

    async def auth_GSSAPI(self, server: Any, args: Any) -> AuthResult:
        return AuthResult(success=False)

    async def auth_NTLM(self, server: Any, args: Any) -> AuthResult:
        return AuthResult(success=False)


def test_a_server_offering_no_login_method_of_ours_is_said_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    port = free_port("127.0.0.1")
    controller = Controller(
        OtherMethods(),
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        auth_exclude_mechanism=["PLAIN", "LOGIN"],
    )
    controller.start()
    try:
        ws = with_smtp(tmp_path / "ws", port, "  username: ada\n  password_env: SMTP_PASSWORD\n")
        row = row_of_ada(ws.cli("send"))
    finally:
        controller.stop()
    assert SETTINGS in row, row
    assert row.endswith(
        f"the SMTP server 127.0.0.1:{port} (none) offers no login method of ours to log in as 'ada': it "
        "offers GSSAPI NTLM, we log in with CRAM-MD5, PLAIN or LOGIN; many servers offer PLAIN and LOGIN "
        "only over TLS: set smtp.security: starttls (or ssl for port 465)"
    ), row
    assert "password" not in row and "No suitable" not in row, row
