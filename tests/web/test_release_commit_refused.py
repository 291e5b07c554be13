"""An unsubscribe kept in the database, lifted by the reader's page ("Undo: send my digests again",
or the preferences page saved with its pause box unticked) while the database's disk is full: the
release is refused at its commit, after the profile file was written. Before: the page said "Your
change was not saved ... send it again" (503), yet the file said `paused: false` (the reader's
other edits written too), the unsubscribe still kept: the digests stayed off whatever the file
said. Now the file is put back as it was: not saved is so, and sending it again once the disk has
room does it. The real `digest
serve`, a 4 MiB tmpfs for the database filled by the test, urllib and Chromium."""

from __future__ import annotations

import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.database_disk import fill, small_disk
from playwright.sync_api import expect

from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import NOW, SECRET, WebWorkspace

CY = "email: cy@example.org\ninterests: [spiking attention]\npaused: true\n"
NOT_SAVED = "Your change was not saved"


@contextmanager
def unsubscribed_on_a_small_disk(
    ws: WebWorkspace, tmp_path: Path
) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """cy paused by her file and unsubscribed in the database, which is on a small disk; a
    connection of the test's keeps its WAL there, emptied: the next commit needs room."""
    with small_disk(tmp_path / "disk") as disk:
        text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
        ws.config_path.write_text(text)
        ws.profile("cy", CY)
        with Store(ws.config.database) as store:
            Suppressions(store).unsubscribe("cy", NOW)
        holder = sqlite3.connect(disk / "digest.db")
        try:
            yield disk, holder
        finally:
            holder.close()


def full(disk: Path, holder: sqlite3.Connection) -> None:
    """The database's disk full, its WAL emptied: a commit has no room, a read still works."""
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fill(disk)


def kept(ws: WebWorkspace) -> bool:
    with Store(ws.config.database) as store:
        return Suppressions(store).unsubscribed("cy") is not None


def test_an_undo_whose_release_the_full_disk_refuses_leaves_the_file_as_it_was(
    web_workspace, tmp_path, monkeypatch
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = web_workspace
    with unsubscribed_on_a_small_disk(ws, tmp_path) as (disk, holder), ws.served():
        link = ws.page_url("cy")
        with urllib.request.urlopen(link + "/unsubscribe", timeout=60) as page:
            csrf = re.search(r'name="csrf" value="([^"]*)"', page.read().decode()).group(1)
        full(disk, holder)
        undo = urllib.request.Request(
            link + "/resubscribe", data=urllib.parse.urlencode({"csrf": csrf}).encode()
        )
        try:
            urllib.request.urlopen(undo, timeout=60)
            raise AssertionError("the undo was answered as done")
        except urllib.error.HTTPError as e:
            assert e.code == 503 and NOT_SAVED in e.read().decode()
        assert (ws.root / "profiles" / "cy.yaml").read_text() == CY
        (disk / "filler").unlink()
        with urllib.request.urlopen(undo, timeout=60) as done:  # sent again: done
            assert done.status == 200
        assert "paused: false" in (ws.root / "profiles" / "cy.yaml").read_text() and not kept(ws)


def test_a_save_whose_release_the_full_disk_refuses_can_be_sent_again(
    web_workspace, tmp_path, monkeypatch, browser
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = web_workspace
    with unsubscribed_on_a_small_disk(ws, tmp_path) as (disk, holder), ws.served():
        page = browser.new_page()
        page.goto(ws.page_url("cy"))
        page.locator("#paused").uncheck()
        page.locator('input[name="kw"]').first.fill("spiking networks")
        full(disk, holder)
        page.locator("#save").click()
        expect(page.locator("main")).to_contain_text(NOT_SAVED)
        assert (ws.root / "profiles" / "cy.yaml").read_text() == CY
        (disk / "filler").unlink()
        page.go_back()  # as the page says: back to the page, and send it again
        page.locator("#save").click()
        expect(page.locator("#notice")).to_contain_text("Saved.")
        page.close()
    saved = (ws.root / "profiles" / "cy.yaml").read_text()
    assert "spiking networks" in saved and "paused: false" in saved and not kept(ws)
