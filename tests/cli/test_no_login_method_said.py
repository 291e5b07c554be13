"""A server that offers a login (AUTH) only by methods we do not have (GSSAPI, NTLM, XOAUTH2: we log
in with CRAM-MD5, PLAIN or LOGIN) is said so, with the methods it offers: "the SMTP server
host:port (none) offers no login method of ours to log in as 'ada': it offers GSSAPI NTLM, we
log in with CRAM-MD5, PLAIN or LOGIN; many servers offer PLAIN and LOGIN only over TLS: set
smtp.security: starttls ..." of one that offers STARTTLS; of one that offers none, "it offers no
STARTTLS either: use a server (or port) that offers one of ours, ...", as over TLS (smtp.security:
starttls would be refused as "offers no STARTTLS ... set smtp.security: none"). Its digest waits
until the config is fixed, as one of a server that offers no login ("the mail server does not
take our smtp settings"). Before, "took the connection but failed the login as 'ada': No
suitable authentication method found.; check smtp.username and the password in $SMTP_PASSWORD":
neither was ever sent. Real aiosmtpd offering
only methods of its own, real `digest send`, real SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from helpers.not_sent import row_of_ada, with_smtp

from digest.demo.smtp_server import Mailbox, free_port

SETTINGS = "not sent: the mail server does not take our smtp settings; waits until 20"


class OtherMethods(Mailbox):
    """Offers AUTH GSSAPI and NTLM only (aiosmtpd offers a handler's auth_<METHOD>)."""

    async def auth_GSSAPI(self, server: Any, args: Any) -> AuthResult:
        return AuthResult(success=False)

    async def auth_NTLM(self, server: Any, args: Any) -> AuthResult:
        return AuthResult(success=False)


def other_methods_row(tmp_path: Path, **options: Any) -> tuple[str, int]:
    """`digest send`'s row of ada, her login set, to an aiosmtpd offering GSSAPI and NTLM (with
    aiosmtpd's ``options``); and its port."""
    port = free_port("127.0.0.1")
    controller = Controller(
        OtherMethods(),
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        auth_exclude_mechanism=["PLAIN", "LOGIN"],
        **options,
    )
    controller.start()
    try:
        ws = with_smtp(tmp_path / "ws", port, "  username: ada\n  password_env: SMTP_PASSWORD\n")
        return row_of_ada(ws.cli("send")), port
    finally:
        controller.stop()


def test_a_server_offering_no_login_method_of_ours_is_said_so(tmp_path, monkeypatch, trusted):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    row, port = other_methods_row(tmp_path, tls_context=trusted)  # STARTTLS offered, not required
    assert SETTINGS in row, row
    assert row.endswith(
        f"the SMTP server 127.0.0.1:{port} (no TLS) "
        "offers no login method of ours to log in as 'ada': it "
        "offers GSSAPI NTLM, we log in with CRAM-MD5, PLAIN or LOGIN; many servers offer PLAIN and LOGIN "
        "only over TLS: set smtp.security: starttls (or ssl for port 465)"
    ), row
    assert "password" not in row and "No suitable" not in row, row


def test_without_starttls_either_it_is_not_advised(tmp_path, monkeypatch):
    """Its advice works if followed: a server without STARTTLS is not told to use it."""
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    row, port = other_methods_row(tmp_path)
    assert SETTINGS in row, row
    assert row.endswith(
        f"the SMTP server 127.0.0.1:{port} (no TLS) "
        "offers no login method of ours to log in as 'ada': it "
        "offers GSSAPI NTLM, we log in with CRAM-MD5, PLAIN or LOGIN; it offers no STARTTLS either: use a "
        "server (or port) that offers one of ours, or leave out smtp.username for a server that takes mail "
        "without a login"
    ), row
    assert "starttls" not in row, row
