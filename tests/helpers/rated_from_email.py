"""bob's digest sent by the real `digest send` (his address refused the next day: a hard bounce), and his
rating from that email made in Chromium on the real `digest serve`: the page's words after it."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from playwright.sync_api import expect

from digest.demo.smtp_server import LocalSmtpServer
from helpers.refusing import Refusing

from conftest import WebWorkspace, make_dump

HANG = 300  # seconds: only a process that hangs takes this long
AT_ONCE = "Your next digest and its preview learn from this at once."
BOUNCED = (
    "The mail server of bob@example.org refused your digests for good, so none goes to you now: "
    "your digests learn from this once they go to you again."
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
