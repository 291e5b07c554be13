"""A name's file removed and back, and a name that had several readers (Chromium, on SQLite and
PostgreSQL): the links open the reader they were made for, and only them.

A file that a pass found gone and that is back with the address of the name's last reader,
before any other reader had the name, is that reader: their links open their page again (a
slow save, a sync tool briefly missing the file). Back with another address, it is another
reader, whose page the earlier links never open. Every time a name's file was found gone is
kept (digest.daemon.names), so a link is told from a later reader's however many readers the
name had since."""

from __future__ import annotations

import datetime as dt

import pytest
from test_link_identity import (
    ADA,
    DAY,
    EVE,
    GONE,
    MON,
    NEW_EVE,
    eve_gone_and_the_name_given_to_eve_new,
    opened,
    send_day,
)

from digest.daemon.names import look
from digest.store import Store

from conftest import SECRET, WebWorkspace

pytestmark = pytest.mark.backends

THIRD_EVE = 'email: eve.third@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n'


@pytest.fixture
def ws(tmp_path, smtp_server, database, monkeypatch) -> WebWorkspace:  # database: db_at is its store
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, smtp_server.port, database)
    ws.profile("ada", ADA)  # the folder is never empty: an empty one may be a disk not mounted
    return ws


def test_a_file_back_with_its_readers_address_after_a_pass_keeps_their_links(ws, smtp_server, browser):
    """A sync tool missed eve.yaml for a while, and a pass found it gone: it is back as it was."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    (ws.root / "profiles" / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + DAY)  # the pass finds eve's file gone
    ws.profile("eve", EVE.replace("[neuromorphic]", "[neuromorphic, spikes]"))  # the same address
    new = send_day(ws, smtp_server, MON + 2 * DAY)["eve@example.org"]
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, old) == (200, "eve@example.org")
        assert opened(browser, new) == (200, "eve@example.org")


def test_a_file_back_half_written_at_a_pass_is_looked_at_again_by_the_next(ws, smtp_server, browser):
    """A slow save: the pass after the one that found it gone reads half a file. Not told yet."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    folder = ws.root / "profiles"
    (folder / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + DAY)  # the pass finds eve's file gone
    (folder / "eve.yaml").write_text(EVE[:12])  # "email: eve@e"
    with Store(ws.config.database) as store:
        look(ws.config, store, MON + DAY + dt.timedelta(hours=1))
    ws.profile("eve", EVE)
    send_day(ws, smtp_server, MON + 2 * DAY)
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, old) == (200, "eve@example.org")


def test_a_file_back_with_another_address_is_another_reader(ws, smtp_server, browser):
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, old) == (410, GONE)
        assert opened(browser, new) == (200, "eve.new@example.org")


def test_a_file_back_with_an_earlier_readers_address_after_another_reader_had_the_name(
    ws,
    smtp_server,
    browser,
):
    """eve removed; eve.new given the name, then removed; eve's address back: the last reader of
    the name was eve.new, so eve's file is a new reader as far as links go, and eve.new's links
    open nobody (theirs is not this file)."""
    old, other = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + 3 * DAY)
    ws.profile("eve", EVE)
    new = send_day(ws, smtp_server, MON + 4 * DAY)["eve@example.org"]
    with ws.serve(MON + 4 * DAY):
        assert opened(browser, other) == (410, GONE)
        assert opened(browser, old) == (410, GONE)
        assert opened(browser, new) == (200, "eve@example.org")


def test_a_readers_file_back_keeps_the_earlier_readers_links_closed(ws, smtp_server, browser):
    """eve removed; eve.new given the name, their file missed by a pass and back: eve.new's links
    open again, eve's not (the removal before eve.new's stays)."""
    old, other = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + 3 * DAY)
    ws.profile("eve", NEW_EVE)
    send_day(ws, smtp_server, MON + 4 * DAY)
    with ws.serve(MON + 4 * DAY):
        assert opened(browser, other) == (200, "eve.new@example.org")
        assert opened(browser, old) == (410, GONE)


def test_a_removed_readers_link_does_not_reach_a_renamed_reader_past_a_later_removal(
    ws,
    smtp_server,
    browser,
):
    """eve removed; eve.new given the name renames it eve-new; a third reader given the name is
    removed: eve's link is still the removed eve's (410), not eve-new's page."""
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-new.yaml")
    send_day(ws, smtp_server, MON + 3 * DAY)  # eve-new continues eve.new
    ws.profile("eve", THIRD_EVE)
    third = send_day(ws, smtp_server, MON + 4 * DAY)["eve.third@example.org"]
    (folder / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + 5 * DAY)  # the third reader's file found gone
    with ws.serve(MON + 5 * DAY):
        assert opened(browser, new) == (200, "eve.new@example.org")
        assert opened(browser, third) == (410, GONE)
        assert opened(browser, old) == (410, GONE)


def test_a_file_back_with_the_removed_readers_address_after_another_reader_renamed_the_name_away(
    ws,
    smtp_server,
    browser,
):
    """eve removed; eve.new given the name renames it eve-new; eve's address back as eve.yaml:
    another reader had the name in between, so eve's old link opens nobody (not eve-new's page
    by the rename, nor the file back, which a pass cannot tell from a newcomer any more)."""
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-new.yaml")
    send_day(ws, smtp_server, MON + 3 * DAY)  # eve-new continues eve.new
    ws.profile("eve", EVE)
    send_day(ws, smtp_server, MON + 4 * DAY)
    with ws.serve(MON + 4 * DAY):
        assert opened(browser, new) == (200, "eve.new@example.org")
        assert opened(browser, old) == (410, GONE)


def test_a_removed_readers_link_does_not_follow_a_later_readers_rename_that_no_pass_saw_yet(
    ws,
    smtp_server,
    browser,
):
    """eve removed; eve.new given the name renames it eve-new, and a link is followed before any
    pass: the page carries eve.new over to eve-new then, for eve.new's links only."""
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-new.yaml")  # no pass since
    with ws.serve(MON + 2 * DAY + dt.timedelta(hours=1)):
        assert opened(browser, old) == (410, GONE)
        assert opened(browser, new) == (200, "eve.new@example.org")
        assert opened(browser, old) == (410, GONE)


def test_a_renamed_readers_link_opens_their_next_rename_whatever_the_name_had_before_them(
    ws,
    smtp_server,
    browser,
):
    """ned's first reader removed, ned given to another who renamed it zed; then xena renamed
    ned, and ned renamed mia with no pass since: xena's old link opens mia's page the first time
    as every time after. The removal of ned's first reader came before xena had the name: it
    tells that reader's links from later ones, not xena's (which the rename to ned leads on)."""
    folder = ws.root / "profiles"
    ws.profile("ned", EVE.replace("eve@", "ned.first@"))
    ws.profile("xena", EVE.replace("eve@", "xena@"))
    old = send_day(ws, smtp_server, MON)["xena@example.org"]
    (folder / "ned.yaml").unlink()
    send_day(ws, smtp_server, MON + DAY)  # ned's first reader found gone
    ws.profile("ned", EVE.replace("eve@", "ned.second@"))
    send_day(ws, smtp_server, MON + 2 * DAY)
    (folder / "ned.yaml").rename(folder / "zed.yaml")
    send_day(ws, smtp_server, MON + 3 * DAY)  # zed continues ned's second reader: ned has no records
    (folder / "xena.yaml").rename(folder / "ned.yaml")
    send_day(ws, smtp_server, MON + 4 * DAY)  # ned continues xena
    (folder / "ned.yaml").rename(folder / "mia.yaml")  # no pass since
    with ws.serve(MON + 4 * DAY + dt.timedelta(hours=1)):
        assert opened(browser, old) == (200, "xena@example.org")
        assert opened(browser, old) == (200, "xena@example.org")
