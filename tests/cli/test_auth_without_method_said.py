"""A server whose EHLO says "AUTH" with no method after it (in TLS, from the start or after its
STARTTLS) offers no login we can use: it is said as a server that offers none ("offers no login
(AUTH) to log in as 'ada': its AUTH names no method; use a server (or port) that offers a login,
or leave out smtp.username ..."), its digest waiting until the config is fixed. Before, "took the
connection but failed the login as 'ada': No suitable authentication method found.; check
smtp.username and the password in $SMTP_PASSWORD": no password was ever sent. Real `digest send`,
a real raw loopback server in TLS from the start (smtp.security: ssl), real aiosmtpd whose EHLO after
its STARTTLS says "AUTH " with its methods all left out (smtp.security: starttls), real SQLite."""

from __future__ import annotations

import pytest
from helpers.not_sent import ELSE, LOGIN, SETTINGS, no_login, row_of_ada, with_smtp
from helpers.raw_smtp import raw_server
from helpers.smtp_login import login_server


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")


def test_an_auth_naming_no_method_is_said_to_offer_no_login(tmp_path, trusted):
    with raw_server([b"SIZE 1000000", b"AUTH"], tls=trusted) as server:
        row = row_of_ada(with_smtp(tmp_path / "ws", server.port, LOGIN + "  security: ssl\n").cli("send"))
    assert SETTINGS in row, row
    assert row.endswith(
        no_login(server.port, "ssl") + "its AUTH names no method; " + ELSE + "without a login"
    ), row
    assert "password" not in row and "No suitable" not in row, row
    assert not [c for c in server.commands if c.upper().startswith(b"AUTH")]


def test_one_naming_none_after_its_starttls_is_said_alike(tmp_path, trusted):
    with login_server(tls_context=trusted, auth_exclude_mechanism=["PLAIN", "LOGIN"]) as port:
        row = row_of_ada(with_smtp(tmp_path / "ws", port, LOGIN + "  security: starttls\n").cli("send"))
    assert SETTINGS in row, row
    said = no_login(port, "starttls") + "its AUTH names no method; " + ELSE + "without a login"
    assert row.endswith(said), row
