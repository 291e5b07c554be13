"""A link opened while another process holds the SQLite database's write lock, where the page
must write (a renamed reader's old link, ada.yaml now ada-lee.yaml with no pass since: it
carries ada over to ada-lee first, digest.daemon.renamed_link), waits SQLite's lock wait (30 s),
then answers the 503 "This page is not available just now" with `Retry-After: 120`: the lock
may pass. That page asks the server again (templates/web/broken.js) first when its Retry-After
says, not before, and is made again, the reader's page, once the lock is gone: the reader who
left the tab open sees it come back by itself. The real `digest send` through aiosmtpd, the
real `digest serve` (its clock ten times the real pace where libfaketime is installed: the 30 s
wait over in 3 s), a real second SQLite connection holding `BEGIN IMMEDIATE`, Chromium on
Playwright's fake clock."""

from __future__ import annotations

import sqlite3

from helpers.lock_wait_tenfold import TENFOLD
from helpers.rated_from_email import HANG, digest
from playwright.sync_api import expect
from test_browser_gone_and_unavailable_pages import Polls, run_until

from digest.db import wall_clock

from conftest import WebWorkspace, make_dump

BUSY = "This page is not available just now"


def test_a_page_answered_503_while_the_database_was_locked_comes_back_when_its_retry_after_says(
    web_workspace: WebWorkspace, browser
):
    ws = web_workspace
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert digest(ws, "send").returncode == 0  # ada has a digest: her name's history to carry over
    link = ws.page_url("ada", wall_clock())
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada-lee.yaml")
    with ws.served(HANG, env=TENFOLD):
        page = browser.new_page()
        page.clock.install()
        asked = Polls(page)
        other = sqlite3.connect(ws.config.database, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the wait
            response = page.goto(link, timeout=HANG * 1000)  # answered after SQLite's lock wait
        finally:
            other.close()  # its transaction rolled back: the lock released
        assert response.status == 503 and response.headers["retry-after"] == "120"
        expect(page.locator("h1")).to_have_text(BUSY)
        expect(page.locator(".card p")).to_contain_text("keep this page open: it tries again by itself")
        page.clock.run_for(110_000)  # not asked before the 120 s its Retry-After said
        page.evaluate("0")
        assert asked == []
        run_until(page, asked, lambda: len(asked) > 0)
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=10_000)
        page.close()
