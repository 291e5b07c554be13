"""A server that offers no login (no AUTH in its EHLO) to a config with smtp.username is said so
with advice that can help as the session was: without TLS, to a server that offers STARTTLS,
"many servers offer a login only over TLS: set smtp.security: starttls (or ssl for port 465)";
to one that offers none, "it offers no STARTTLS either: use a server (or port) that offers a
login, or leave out smtp.username ..." (smtp.security: starttls would be refused as "offers no
STARTTLS"); in TLS already (smtp.security: ssl or starttls), "use a server (or port) that offers
a login, or leave out smtp.username ...". The words of a server offering only methods we lack
(test_no_login_method_said), chosen the same way. Before, all three said "many servers offer it
only after STARTTLS; check smtp.security, or leave out smtp.username for a server without login".
Real `digest send`; real aiosmtpd (its login only after TLS, its STARTTLS offered), a real raw
loopback server (without STARTTLS, or in TLS from the start, and no AUTH)."""

from __future__ import annotations

import pytest
from helpers.not_sent import ELSE, LOGIN, SETTINGS, no_login, row_of_ada, with_smtp
from helpers.raw_smtp import raw_server
from helpers.smtp_login import login_server


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "secret")


def test_a_server_offering_starttls_is_said_to_offer_a_login_over_tls(tmp_path, trusted):
    with login_server(tls_context=trusted) as port:  # aiosmtpd: AUTH only after its STARTTLS
        row = row_of_ada(with_smtp(tmp_path / "ws", port, LOGIN).cli("send"))
    assert SETTINGS in row, row
    assert row.endswith(
        no_login(port, "no TLS") + "many servers offer a login only over TLS: set smtp.security: starttls "
        "(or ssl for port 465)"
    ), row


def test_a_server_without_starttls_is_not_advised_it(tmp_path):
    with raw_server([b"SIZE 1000000"]) as server:
        row = row_of_ada(with_smtp(tmp_path / "ws", server.port, LOGIN).cli("send"))
    assert SETTINGS in row, row
    assert row.endswith(
        no_login(server.port, "no TLS") + "it offers no STARTTLS either: " + ELSE + "without a login"
    )
    assert "smtp.security" not in row, row


def test_a_server_in_tls_already_is_not_advised_smtp_security(tmp_path, trusted):
    with raw_server([b"SIZE 1000000"], tls=trusted) as server:
        row = row_of_ada(with_smtp(tmp_path / "ws", server.port, LOGIN + "  security: ssl\n").cli("send"))
    assert SETTINGS in row, row
    assert row.endswith(no_login(server.port, "ssl") + ELSE + "without a login"), row
    assert "smtp.security" not in row and "STARTTLS" not in row, row
