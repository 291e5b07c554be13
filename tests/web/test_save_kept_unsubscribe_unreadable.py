"""A save of the preferences page whose form showed the reader's unsubscribe kept in the database
(asked while their file could not be read: the pause box ticked for it, a note beside it), the
box unticked, while the database cannot be read (here: its file overwritten, as a broken disk
leaves it). The page cannot lift the unsubscribe, so it saves nothing and says so: the 503 "This
page is not available until the digest is repaired", nothing of the settings changed, the file
as it was. Was: the file written (paused: false), "Saved.", and the unsubscribe still kept once
the database was back: the reader had chosen their digests again, was told it was saved, and got
none. The real app on a loopback port, Chromium, SQLite."""

from __future__ import annotations

import datetime as dt

from helpers.kept_unsubscribe import ADA, ada_unsubscribed, kept

from digest.db import wall_clock

from conftest import WebWorkspace


def test_a_save_that_would_lift_a_kept_unsubscribe_the_database_cannot_read_saves_nothing(
    web_workspace: WebWorkspace, browser
):
    ws = web_workspace
    path = ada_unsubscribed(ws)
    database = ws.root / "digest.db"
    with ws.serve():
        page = browser.new_page()
        # a link signed after her file was written: hers without the database (digest.web.identity)
        page.goto(ws.page_url(at=wall_clock() + dt.timedelta(seconds=1)))
        assert page.locator("#paused").is_checked()  # ticked for the kept unsubscribe
        page.uncheck("#paused")  # her digests again
        good = database.read_bytes()  # (no WAL left: each request's connection is closed)
        assert not (ws.root / "digest.db-wal").exists()
        database.write_bytes(b"not a database " * 512)
        with page.expect_navigation() as answer:
            page.click("#save")
        assert answer.value.status == 503
        assert page.locator("h1").inner_text() == "This page is not available until the digest is repaired"
        assert "nothing of your settings was changed" in page.locator(".card").inner_text()
        page.close()
    assert path.read_text() == ADA  # not written: the unsubscribe it would lift could not be
    database.write_bytes(good)  # the database back
    assert kept(ws) is not None  # still hers, as the file: her pause box was not saved
