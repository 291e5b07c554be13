"""A reader whose mail no longer goes (their address refused for good: a hard bounce; or an
unsubscribe kept in the database) who rates a paper from an older email is not told that their
next digest learns from it at once: none goes to them, which the page after the rating says.
The real `digest send` through aiosmtpd on loopback (refusing bob's address on the second day),
the real `digest serve`, the email's link opened and its button clicked in Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from helpers.refusing import Refusing
from playwright.sync_api import expect

from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import WebWorkspace, make_dump

HANG = 300  # seconds: only a process that hangs takes this long
AT_ONCE = "Your next digest and its preview learn from this at once."
BOUNCED = (
    "The mail server of bob@example.org refused your digests for good, so none goes to you now: "
    "your digests learn from this once they go to you again."
)
UNSUBSCRIBED = (
    "You unsubscribed, so no digest goes to you now: your digests learn from this once you get them again."
)
PAPERS = [("Neuromorphic chip", "An event-driven chip."), ("Neuromorphic vision", "Event cameras.")]
LATER = [("Neuromorphic memory", "Spiking memories.")]


def digest(ws: WebWorkspace, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=HANG)


def first_link(server: LocalSmtpServer) -> str:
    """The first "More like this" link of bob's one received digest."""
    (received,) = server.messages
    text = received.message.get_body(("plain",)).get_content()
    return re.search(r"More like this: (\S+)", text).group(1)


def rated_hint(ws: WebWorkspace, link: str, browser: Any) -> str:
    """The page's words after the email's "More like this" button, in Chromium."""
    with ws.served(HANG):
        page = browser.new_page()
        page.goto(link)
        page.get_by_role("button", name="More like this").click()
        expect(page.locator("#rate .notice")).to_have_text("Noted: you will see more papers like this one.")
        words = page.locator("#rate").inner_text()
        page.close()
    return words


def bob_sent_once(tmp_path, monkeypatch, server: LocalSmtpServer) -> WebWorkspace:
    monkeypatch.setenv("DIGEST_TEST_SECRET", "test-secret-0123456789abcdef0123")
    ws = WebWorkspace(tmp_path, server.port)
    ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day1.txt", make_dump("Mar 14", PAPERS))
    assert digest(ws, "send").returncode == 0
    return ws


def bob_bounced(tmp_path, monkeypatch, server: LocalSmtpServer, refusing: Refusing) -> WebWorkspace:
    """bob's digest sent on the first day; the next day his mailbox is gone (a hard bounce)."""
    ws = bob_sent_once(tmp_path, monkeypatch, server)
    refusing.refused.add("bob@example.org")
    ws.dump("day2.txt", make_dump("Mar 15", LATER))
    assert digest(ws, "send", "--force").returncode == 1
    return ws


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
