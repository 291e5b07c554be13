"""The login methods a server offers, none of ours, are quoted as the server said them: "it
offers gssapi ntlm, we log in with CRAM-MD5, PLAIN or LOGIN" of a server saying "AUTH gssapi
ntlm", so the user can match them to its EHLO. Before, "it offers GSSAPI NTLM": the list as
upper-cased for smtplib's choice among them (login_methods.case_blind, which stays). Real `digest
send`, a real raw loopback server in TLS from the start (smtp.security: ssl), real SQLite."""

from __future__ import annotations

import pytest
from helpers.not_sent import LOGIN, SETTINGS, row_of_ada, with_smtp
from helpers.raw_smtp import raw_server


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")


def test_methods_are_quoted_as_the_server_said_them(tmp_path, trusted):
    with raw_server([b"AUTH gssapi Ntlm"], tls=trusted) as server:
        row = row_of_ada(with_smtp(tmp_path / "ws", server.port, LOGIN + "  security: ssl\n").cli("send"))
    assert SETTINGS in row, row
    assert row.endswith(
        f"the SMTP server 127.0.0.1:{server.port} (ssl) offers no login method of ours to log in as 'ada': "
        "it offers gssapi Ntlm, we log in with CRAM-MD5, PLAIN or LOGIN; use a server (or port) that offers "
        "one of ours, or leave out smtp.username for a server that takes mail without a login"
    ), row
