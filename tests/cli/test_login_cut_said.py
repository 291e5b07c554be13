"""A server that greeted us, then fell silent (smtp.timeout) or hung up after our AUTH line, refused
nothing: its digest waits for its retry, said "not sent: the mail server stopped answering" (by
`digest send`, `run --once`, `send --to-dir`), the error "the SMTP server host:port (security)
greeted us, then timed out at the login as 'ada'; tried again later". Before, it was said "not
sent: the mail server does not take our smtp settings" with "took the connection but failed the
login as 'ada': Connection unexpectedly closed: timed out; check smtp.username and the password":
a login refused, to mend in the config, though the password was never judged. Real aiosmtpd whose
login never answers, a real raw socket server that hangs up at AUTH, real SQLite."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import AuthResult
from helpers.not_sent import hanging_up_at, row_of_ada, with_smtp
from helpers.smtp_login import login_server

from digest.store import Store

LOGIN = "  username: ada\n  password_env: SMTP_PASSWORD\n"
STOPPED = "not sent: the mail server stopped answering; waits until 20"


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")


def test_a_login_never_answered_is_said_stopped_answering_not_our_settings(tmp_path):
    silent = AuthResult(success=False, handled=True)  # aiosmtpd answers nothing
    with login_server(auth_require_tls=False, authenticator=lambda *args: silent) as port:
        ws = with_smtp(tmp_path / "silent", port, LOGIN)
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        row = row_of_ada(ws.cli("send"))
        assert STOPPED in row, row
        assert (
            f"127.0.0.1:{port} (no TLS) greeted us, then timed out at the login as 'ada'; tried again" in row
        )
        assert "smtp settings" not in row and "check smtp.username" not in row, row
        with Store(ws.config.database) as store:  # its retry due now
            store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
            store.db.commit()
        ran = ws.cli("run", "--once")
        assert "not sent to ada (the mail server stopped answering): the SMTP server" in ran.stdout, (
            ran.output
        )
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    assert "not written (the mail server stopped answering, it waits for its retry" in looked.stderr


def test_a_server_that_hangs_up_at_the_login_is_said_stopped_answering(tmp_path):
    with hanging_up_at(b"AUTH") as port:
        ws = with_smtp(tmp_path / "cut", port, LOGIN)
        row = row_of_ada(ws.cli("send"))
    assert STOPPED in row, row
    assert f"127.0.0.1:{port} (no TLS) greeted us, then hung up at the login as 'ada'; tried again" in row
    assert "smtp settings" not in row and "deferred" not in row, row


def test_a_server_that_offers_no_login_method_of_ours_is_still_said_as_our_settings(tmp_path):
    """It hung up on nothing: it says AUTH with no method after it (aiosmtpd with both of its own
    left out). Said as our settings, "does not take our smtp settings", and as a server that offers
    no login; not "greeted us, then hung up at the login" (an SMTPException is an OSError: it was
    taken for a hang-up), nor smtplib's "No suitable authentication method found"."""
    with login_server(
        auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"], authenticator=lambda *args: None
    ) as port:
        ws = with_smtp(tmp_path / "nomethod", port, LOGIN)
        row = row_of_ada(ws.cli("send"))
    assert "not sent: the mail server does not take our smtp settings; waits until 20" in row, row
    assert (
        f"127.0.0.1:{port} (no TLS) "
        "offers no login (AUTH) to log in as 'ada': its AUTH names no method" in row
    )
    assert "hung up" not in row and "stopped answering" not in row, row


def test_a_hang_up_at_ehlo_before_the_login_is_said_before_any_mail(tmp_path):
    """With smtp.username set, a server that greeted us and hung up at EHLO, before any AUTH line,
    stopped answering "before any mail", as without a login. Before, "greeted us, then hung up at
    the login as 'ada'": our login was never sent (smtplib's login sends the EHLO first)."""
    with hanging_up_at(b"EHLO") as port:
        ws = with_smtp(tmp_path / "ehlo", port, LOGIN)
        row = row_of_ada(ws.cli("send"))
    assert STOPPED in row, row
    assert row.endswith(
        f"127.0.0.1:{port} (no TLS) greeted us, then hung up before any mail; tried again later"
    )
