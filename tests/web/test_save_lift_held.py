"""A save of the preferences page by a reader whose unsubscribe is kept in the database (asked
while their file could not be read), the pause box unticked: it lifts the unsubscribe and writes
the file, both or neither. While another process holds the SQLite database's write lock longer
than the wait (30 s), the page answers the 503 "This page is not available just now", which
says that her change was not saved and to try again, and the file is left as it was, the
unsubscribe kept (was: only that the database was busy, not that nothing was saved); once
the lock is gone, the same save does both.
Was: the file written (send_at 08:15), then the 503 for the unsubscribe, which stayed: told it
failed, the reader had a changed file and no digest. The real `digest serve` on a loopback port,
its clock ten times the real pace where libfaketime is installed (SQLite's 30 s lock wait over in
3 s), Chromium, a real second SQLite connection holding `BEGIN IMMEDIATE`."""

from __future__ import annotations

import sqlite3

import yaml
from helpers.kept_unsubscribe import ADA, ada_unsubscribed, kept
from helpers.lock_wait_tenfold import TENFOLD

from digest.db import wall_clock

from conftest import WebWorkspace

HANG = 300_000  # ms: only a server that hangs takes this long (SQLite's lock wait is 30 s)
NOT_SAVED = (
    "Your change was not saved: the digest's database is busy or unavailable. Please try again in a "
    "few minutes: go back to the page and send it again."
)


def test_a_save_that_lifts_a_kept_unsubscribe_under_a_held_database_saves_nothing(
    web_workspace: WebWorkspace, browser
):
    ws = web_workspace
    path = ada_unsubscribed(ws)
    with ws.served(HANG / 1000, env=TENFOLD):
        page = browser.new_page()
        page.goto(ws.page_url(at=wall_clock()))
        assert page.locator("#paused").is_checked()  # ticked for the kept unsubscribe
        page.uncheck("#paused")  # her digests again, and a later hour
        page.fill("#send_at", "08:15")
        other = sqlite3.connect(ws.config.database, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the wait
            with page.expect_navigation(timeout=HANG) as answer:
                page.click("#save", timeout=HANG)  # answered after SQLite's lock wait
        finally:
            other.close()  # its transaction rolled back: the lock released
        assert answer.value.status == 503
        assert page.locator("h1").inner_text() == "This page is not available just now"
        assert page.locator(".card p").inner_text() == NOT_SAVED  # said plainly, with what to do
        assert path.read_text() == ADA  # nothing saved: not the file either
        assert kept(ws) is not None

        page.go_back()  # the form as she left it (the browser keeps what was typed)
        if page.input_value("#send_at") != "08:15":  # (or opened again: typed again)
            page.uncheck("#paused")
            page.fill("#send_at", "08:15")
        with page.expect_navigation():
            page.click("#save")
        assert page.locator(".notice").inner_text() == "Saved."
        assert not page.locator("#paused").is_checked()
        page.close()
    assert yaml.safe_load(path.read_text())["send_at"] == "08:15"
    assert kept(ws) is None
