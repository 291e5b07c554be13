"""While the database cannot be read, a link opens its name's profile file only if the file has
not changed since the link was signed (Chromium, on SQLite and PostgreSQL): then it is the file
that link's message was made from, so its reader can still unsubscribe; a file made since may be
a later reader's, and the link waits for the database (a 503, tried again)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import yaml
from test_link_identity import ADA, EVE, NEW_EVE

from digest.db import is_postgres
from digest.demo.smtp_server import free_port
from digest.signing import Signer

from conftest import SECRET, WebWorkspace

pytestmark = pytest.mark.backends


@pytest.fixture
def ws(tmp_path, smtp_server, database, monkeypatch) -> WebWorkspace:
    """A workspace whose database cannot be reached: its folder not there (SQLite), nothing
    listening at its port (PostgreSQL)."""
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    if is_postgres(database):
        unreachable = f"postgresql://digest@127.0.0.1:{free_port()}/digest"
    else:
        unreachable = str(tmp_path / "not-mounted" / "digest.db")
    ws = WebWorkspace(tmp_path, smtp_server.port, unreachable)
    ws.profile("ada", ADA)
    return ws


def signed_after(path, seconds: float) -> dt.datetime:
    """A time ``seconds`` after the file last changed (negative: before)."""
    return dt.datetime.fromtimestamp(os.stat(path).st_ctime + seconds, dt.UTC)


def status_of(browser, url: str) -> tuple[int, str]:
    page = browser.new_page()
    try:
        response = page.goto(url)
        return response.status, page.locator("body").inner_text()
    finally:
        page.close()


def test_a_link_signed_after_the_file_last_changed_unsubscribes_its_reader(ws, browser):
    path = ws.profile("eve", EVE)
    token = Signer(SECRET.encode()).token("eve", signed_after(path, 1))
    with ws.serve():
        page = browser.new_page()
        page.goto(f"{ws.base_url}/u/{token}/unsubscribe")
        page.get_by_role("button", name="Unsubscribe").click()
        page.locator("h1").filter(has_text="You are unsubscribed").wait_for()
        page.close()
    assert yaml.safe_load(path.read_text())["paused"] is True


def test_a_save_through_the_link_returns_to_the_page_and_a_change_by_another_hand_does_not(ws, browser):
    """The page edits the file (a change since the link was signed), then opens again: this
    process made that change for the link's reader. A change made by anything else is not."""
    path = ws.profile("eve", EVE)
    signed = signed_after(path, 1)
    link = f"{ws.base_url}/u/{Signer(SECRET.encode()).token('eve', signed)}"
    with ws.serve():
        page = browser.new_page()
        page.goto(link)
        page.fill("#send_at", "08:15")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        assert page.locator(".who").inner_text() == "eve@example.org"
        page.close()
        assert yaml.safe_load(path.read_text())["send_at"] == "08:15"
        path.unlink()
        while time.time() < signed.timestamp() + 1:  # after the link's second, as in life (a link
            time.sleep(0.05)  # signed in the future: the test ran faster than its whole seconds)
        ws.profile("eve", NEW_EVE)  # the name given to someone else meanwhile
        status, text = status_of(browser, link)
        assert status == 503 and "eve.new@example.org" not in text


def test_a_link_signed_before_the_file_was_made_does_not_open_it(ws, browser):
    """eve's file removed and given to eve.new since her link was sent: without the database,
    nothing tells them apart, so the link opens nobody's page until it is back."""
    path = ws.profile("eve", NEW_EVE)
    token = Signer(SECRET.encode()).token("eve", signed_after(path, -60))
    with ws.serve():
        status, text = status_of(browser, f"{ws.base_url}/u/{token}")
        assert status == 503 and "eve.new@example.org" not in text
        status, text = status_of(browser, f"{ws.base_url}/u/{token}/unsubscribe")
        assert status == 503 and "eve.new@example.org" not in text
    assert "paused" not in yaml.safe_load(path.read_text())


def test_a_link_sent_before_links_carried_their_time_waits_for_the_database(ws, browser):
    path = ws.profile("eve", EVE)
    token = Signer(SECRET.encode()).legacy_token("eve")
    with ws.serve():
        status, text = status_of(browser, f"{ws.base_url}/u/{token}")
        assert status == 503 and "eve@example.org" not in text
    assert "paused" not in yaml.safe_load(path.read_text())
