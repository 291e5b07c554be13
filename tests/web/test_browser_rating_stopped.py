"""A reader whose mail no longer goes (their address refused for good: a hard bounce; or an
unsubscribe kept in the database) who rates a paper from an older email is not told that their
next digest learns from it at once: none goes to them, which the page after the rating says.
The real `digest send` through aiosmtpd on loopback (refusing bob's address on the second day),
the real `digest serve`, the email's link opened and its button clicked in Chromium."""

from __future__ import annotations

from helpers.rated_from_email import (
    AT_ONCE,
    BOUNCED,
    bob_bounced,
    bob_sent_once,
    first_link,
    rated_hint,
)
from helpers.refusing import Refusing

from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

UNSUBSCRIBED = (
    "You unsubscribed, so no digest goes to you now: your digests learn from this once you get them again."
)


def test_a_bounced_reader_rating_from_an_older_email_is_told_none_goes_to_them(
    tmp_path,
    monkeypatch,
    browser,
):
    refusing = Refusing(set())
    with LocalSmtpServer(refusing) as server:
        ws = bob_bounced(tmp_path, monkeypatch, server, refusing)
    with Store(ws.config.database) as store:
        assert Suppressions(store).get("bob").kind == "bounce"
    words = rated_hint(ws, first_link(server), browser)
    assert BOUNCED in words and AT_ONCE not in words, words


def test_an_unsubscribe_kept_in_the_database_is_said_on_the_rating_page(
    tmp_path,
    monkeypatch,
    browser,
):
    with LocalSmtpServer(Refusing(set())) as server:
        ws = bob_sent_once(tmp_path, monkeypatch, server)
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("bob", wall_clock())  # his file could not be written then
    words = rated_hint(ws, first_link(server), browser)
    assert UNSUBSCRIBED in words and AT_ONCE not in words, words
