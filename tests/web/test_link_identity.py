"""A link in an email opens only the reader it was made for (Chromium, on SQLite and PostgreSQL).

Readers are known by their profile file's name, which may be given to someone else later: a
removed reader's name, or a renamed reader's old one. The links carry when they were signed
(digest.signing), and the passes write down when a name's file went (digest.daemon.names), so
a link made before that opens no later reader's page: the removed reader's says 410, the renamed
reader's opens the renamed file. The links sent before links carried their time keep opening
their reader, and open nobody where that reader cannot be told."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from digest.daemon.names import look
from digest.daemon.sendnow import send_now
from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.signing import Signed, Signer
from digest.store import Store
from digest.web.identity import link_reader

from conftest import SECRET, WebWorkspace, make_dump, schema_at

pytestmark = pytest.mark.backends

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
EVE = 'email: eve@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n'
NEW_EVE = 'email: eve.new@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n'
ADA = 'email: ada@example.org\ninterests: [robotics]\nsend_at: "07:00"\n'
GONE = "This address no longer receives digests"


@pytest.fixture
def ws(tmp_path, smtp_server, database, monkeypatch) -> WebWorkspace:  # database: db_at is its store
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, smtp_server.port, database)
    ws.profile("ada", ADA)  # the folder is never empty: an empty one may be a disk not mounted
    return ws


def send_day(ws: WebWorkspace, smtp_server, now: dt.datetime) -> dict[str, str]:
    """A new paper about neuromorphic chips on ``now``'s day, and `digest send` at ``now``: each
    recipient's preferences link of the digest they got."""
    day = f"{now:%b} {now.day}"
    with Store(ws.config.database) as store:
        dump = ws.dump(f"{now:%m%d}.txt", make_dump(day, [(f"Neuromorphic {day}", "Spikes.")]), mtime=now)
        ingest(store, [dump], now)
        before = len(smtp_server.messages)
        send_now(ws.config, store, load_profiles(ws.config), None, now)
    return links_since(smtp_server, before)


def eve_gone_and_the_name_given_to_eve_new(ws: WebWorkspace, smtp_server) -> tuple[str, str]:
    """eve sent a digest on MON, eve's file removed (the pass of MON + DAY finds it gone), and the
    name given to someone else, eve.new, sent a digest on MON + 2 DAY: eve's link and eve.new's."""
    ws.profile("eve", EVE)
    eve = send_day(ws, smtp_server, MON)["eve@example.org"]
    (ws.root / "profiles" / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + DAY)  # the pass finds eve's file gone
    ws.profile("eve", NEW_EVE)  # someone else, given the free name
    return eve, send_day(ws, smtp_server, MON + 2 * DAY)["eve.new@example.org"]


def links_since(smtp_server, before: int) -> dict[str, str]:
    """Each recipient's preferences link in the messages received after the first ``before``."""
    links = {}
    for received in smtp_server.messages[before:]:
        html = received.message.get_body(("html",)).get_content()
        links[received.rcpt_tos[0]] = re.search(r'<a href="([^"]+)"[^>]*>Change your interests</a>', html)[1]
    return links


def opened(browser, url: str) -> tuple[int, str]:
    """The status of the page ``url`` and what it shows (the reader's address, or the 410's heading)."""
    page = browser.new_page()
    try:
        status = page.goto(url).status
        return status, page.locator(".who, h1").first.inner_text()
    finally:
        page.close()


def test_a_removed_readers_link_does_not_open_a_later_reader_given_the_same_name(ws, smtp_server, browser):
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    legacy = f"{ws.base_url}/u/{Signer(SECRET.encode()).legacy_token('eve')}"  # sent before schema 19
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, old) == (410, GONE)
        assert opened(browser, legacy) == (410, GONE)
        assert opened(browser, new) == (200, "eve.new@example.org")


def test_after_a_rename_a_new_profile_given_the_old_name_does_not_get_the_old_links(ws, smtp_server, browser):
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    send_day(ws, smtp_server, MON + DAY)  # eve-smith continues eve
    ws.profile("eve", NEW_EVE)
    new = send_day(ws, smtp_server, MON + 2 * DAY)["eve.new@example.org"]
    legacy = f"{ws.base_url}/u/{Signer(SECRET.encode()).legacy_token('eve')}"  # sent before the rename
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, old) == (200, "eve@example.org")  # eve-smith.yaml's page
        assert opened(browser, legacy) == (200, "eve@example.org")
        assert opened(browser, new) == (200, "eve.new@example.org")


def version_18(db_at):
    """A database as the release before links carried their time left it (schema 18), still open."""
    return schema_at(db_at, 18)


def test_links_sent_before_links_carried_their_time_open_the_reader_they_were_made_for_or_nobody(ws, db_at):
    db = version_18(db_at)  # eve was renamed eve-smith then
    db.execute("INSERT INTO reader_renames VALUES ('eve', 'eve-smith', '2026-03-10T07:00:00+00:00')")
    db.close()
    ws.profile("eve-smith", EVE)
    config = ws.config
    with Store(config.database) as store:  # migrated: the rename was made before links were dated
        assert store.db.execute("SELECT old_user, undated FROM reader_renames").fetchall() == [("eve", 1)]
    folder = ws.root / "profiles"
    assert link_reader(config, Signed("eve", None), MON) == ("eve-smith", folder / "eve-smith.yaml")
    assert link_reader(config, Signed("ada", None), MON) == ("ada", folder / "ada.yaml")
    ws.profile("eve", NEW_EVE)  # the old name someone's file again: an undated link is eve's or theirs
    assert link_reader(config, Signed("eve", None), MON) is None  # so nobody's: the 410
    assert link_reader(config, Signed("eve", MON), MON) == ("eve", folder / "eve.yaml")  # signed since


def test_a_removed_readers_link_does_not_follow_the_rename_of_a_later_reader_given_the_name(
    ws,
    smtp_server,
    browser,
):
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-new.yaml")  # who renames their file
    send_day(ws, smtp_server, MON + 3 * DAY)  # eve-new continues the later eve, not the removed one
    with ws.serve(MON + 3 * DAY):
        assert opened(browser, new) == (200, "eve.new@example.org")
        assert opened(browser, old) == (410, GONE)


def test_a_link_signed_by_a_worker_whose_clock_is_ahead_is_still_the_removed_readers(
    ws,
    smtp_server,
    browser,
):
    """Two workers on one database: one's clock 30 seconds ahead (or its pass started after the
    other's, whose look comes late in its pass). The file found gone 'before' the removed reader's
    last link was signed, by the clock of the worker that found it: still their link, not the next."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON + dt.timedelta(seconds=30))["eve@example.org"]  # worker A
    (ws.root / "profiles" / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON)  # worker B, 30 seconds behind, finds eve's file gone
    ws.profile("eve", NEW_EVE)
    new = send_day(ws, smtp_server, MON + DAY)["eve.new@example.org"]
    with ws.serve(MON + DAY):
        assert opened(browser, old) == (410, GONE)
        assert opened(browser, new) == (200, "eve.new@example.org")


def test_a_digest_made_after_its_readers_file_was_found_gone_is_held_and_the_next_reader_has_own_links(
    ws,
    smtp_server,
    browser,
):
    """Worker A read eve's profile before it was removed and makes her digest late in its pass,
    after worker B's pass found the file gone: that digest is held as a removed reader's (not sent
    after she left), and the reader given the name next opens their own links."""
    ws.profile("eve", EVE)
    send_day(ws, smtp_server, MON - DAY)
    read_by_a = load_profiles(ws.config)
    (ws.root / "profiles" / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON)  # worker B finds eve's file gone (at the start of its pass)
    before = len(smtp_server.messages)
    with Store(ws.config.database) as store:  # worker A, with what it read before
        send_now(ws.config, store, read_by_a, None, MON + dt.timedelta(seconds=30))
        held = [e for e in Outbox(store).entries(user="eve") if e.status != "sent"]
    assert "eve@example.org" not in links_since(smtp_server, before)
    assert [e.last_error.split(" (")[0] for e in held] == ["not tried: a removed reader's"]
    ws.profile("eve", NEW_EVE)
    new = send_day(ws, smtp_server, MON + DAY)["eve.new@example.org"]
    with ws.serve(MON + DAY):
        assert opened(browser, new) == (200, "eve.new@example.org")


def test_a_renamed_readers_link_signed_by_a_worker_whose_clock_is_ahead_opens_the_renamed_file(
    ws,
    smtp_server,
    browser,
):
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON + dt.timedelta(seconds=30))["eve@example.org"]  # worker A
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    send_day(ws, smtp_server, MON)  # worker B, 30 seconds behind, carries eve over to eve-smith
    with ws.serve(MON + DAY):
        assert opened(browser, old) == (200, "eve@example.org")


def test_a_renamed_readers_link_opens_the_renamed_file_when_a_pass_found_the_old_one_gone_first(
    ws,
    smtp_server,
    browser,
):
    """The carry-over put off (a message of eve's being sent by another worker): that pass finds
    eve's file gone, as a removal. The carry-over at the next pass makes it the rename it was."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    with Store(ws.config.database) as store, store.transaction():
        Outbox(store).enqueue(
            user="eve", recipient="eve@example.org", message_id="<late@x>", subject="s", mime=b"m",
            paper_ids=[], now=MON, holder=("w2", wall_clock() + dt.timedelta(minutes=5)),
        )  # fmt: skip
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    send_day(ws, smtp_server, MON + DAY)  # the carry-over put off; eve's file found gone
    with Store(ws.config.database) as store:
        store.db.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, status = 'sent'")
    send_day(ws, smtp_server, MON + 2 * DAY)  # eve-smith continues eve
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, old) == (200, "eve@example.org")


def test_a_removed_readers_link_opens_nobody_after_the_later_reader_renamed_the_file_back(
    ws,
    smtp_server,
    browser,
):
    old, new = eve_gone_and_the_name_given_to_eve_new(ws, smtp_server)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-new.yaml")
    send_day(ws, smtp_server, MON + 3 * DAY)  # eve-new continues the later eve
    (folder / "eve-new.yaml").rename(folder / "eve.yaml")  # and is eve again
    send_day(ws, smtp_server, MON + 4 * DAY)
    with ws.serve(MON + 4 * DAY):
        assert opened(browser, new) == (200, "eve.new@example.org")
        assert opened(browser, old) == (410, GONE)


def test_a_renamed_readers_link_opens_the_new_name_that_an_earlier_file_had_briefly(
    ws,
    smtp_server,
    browser,
):
    """eve-smith.yaml made and removed again, both seen by a pass, before eve's file is renamed
    so: the name's file found gone then is no removal of the renamed reader."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    folder = ws.root / "profiles"
    ws.profile("eve-smith", "not: a profile\n")
    with Store(ws.config.database) as store:
        look(ws.config, store, MON + dt.timedelta(hours=1))
        (folder / "eve-smith.yaml").unlink()
        look(ws.config, store, MON + dt.timedelta(hours=2))
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    send_day(ws, smtp_server, MON + DAY)  # eve-smith continues eve
    with ws.serve(MON + DAY):
        assert opened(browser, old) == (200, "eve@example.org")


def test_a_reader_renamed_twice_opens_the_last_name_that_an_earlier_file_had_briefly_between(
    ws,
    smtp_server,
    browser,
):
    """eve renamed eve-smith, then eve-jones; eve-jones.yaml made and removed between the two
    renames, both seen by a pass: the first rename's links (eve's) open eve-jones's page too."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    smith = send_day(ws, smtp_server, MON + DAY)["eve@example.org"]  # eve-smith continues eve
    ws.profile("eve-jones", "not: a profile\n")
    with Store(ws.config.database) as store:
        look(ws.config, store, MON + DAY + dt.timedelta(hours=1))
        (folder / "eve-jones.yaml").unlink()
        look(ws.config, store, MON + DAY + dt.timedelta(hours=2))
    (folder / "eve-smith.yaml").rename(folder / "eve-jones.yaml")
    send_day(ws, smtp_server, MON + 2 * DAY)  # eve-jones continues eve-smith
    with ws.serve(MON + 2 * DAY):
        assert opened(browser, smith) == (200, "eve@example.org")
        assert opened(browser, old) == (200, "eve@example.org")


def test_a_removed_readers_link_does_not_follow_a_later_reader_of_their_last_name_renaming_it(
    ws,
    smtp_server,
    browser,
):
    """eve renamed eve-smith, then removed; a new eve-smith (someone else) renames their file: the
    removed reader's links, eve's and eve-smith's, open nobody."""
    ws.profile("eve", EVE)
    old = send_day(ws, smtp_server, MON)["eve@example.org"]
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    smith = send_day(ws, smtp_server, MON + DAY)["eve@example.org"]  # eve-smith continues eve
    (folder / "eve-smith.yaml").unlink()
    send_day(ws, smtp_server, MON + 2 * DAY)  # the pass finds eve-smith's file gone
    ws.profile("eve-smith", NEW_EVE)  # someone else, given the free name
    new = send_day(ws, smtp_server, MON + 3 * DAY)["eve.new@example.org"]
    (folder / "eve-smith.yaml").rename(folder / "eve-jones.yaml")
    send_day(ws, smtp_server, MON + 4 * DAY)  # eve-jones continues the later eve-smith
    with ws.serve(MON + 4 * DAY):
        assert opened(browser, new) == (200, "eve.new@example.org")
        assert opened(browser, smith) == (410, GONE)
        assert opened(browser, old) == (410, GONE)


def test_a_removed_readers_link_reads_the_profiles_only_when_a_new_profile_may_continue_them(
    ws, smtp_server, monkeypatch
):
    """A removed reader's links are followed for as long as their emails are kept: each one read
    every profile file (and looked for a name like theirs among the files) before its 410. Now
    only a profile with no digest yet, made since their last digest, may continue them."""
    import digest.profiles.load as load

    read: list[str] = []
    every = load.load_profiles_lenient
    monkeypatch.setattr(load, "load_profiles_lenient", lambda config: read.append("all") or every(config))
    monkeypatch.setattr(load, "likely_meant", lambda *a, **k: read.append("like") or [])
    ws.profile("ada", EVE.replace("eve@", "ada@"))  # a reader with digests (one without may continue eve)
    ws.profile("eve", EVE)
    send_day(ws, smtp_server, MON)
    (ws.root / "profiles" / "eve.yaml").unlink()
    send_day(ws, smtp_server, MON + DAY)  # the pass finds eve's file gone
    read.clear()
    assert link_reader(ws.config, Signed("eve", MON), MON + DAY) is None
    assert link_reader(ws.config, Signed("gus", MON), MON + DAY) is None  # a name that never had a digest
    assert read == []

    ws.profile("eve-smith", EVE)  # eve's file renamed, no pass since: eve-smith continues eve
    folder = ws.root / "profiles"
    assert link_reader(ws.config, Signed("eve", MON), MON + DAY) == ("eve-smith", folder / "eve-smith.yaml")
    assert read == ["all"]
    read.clear()
    later = MON + 40 * DAY  # a profile made long after eve's last digest continues nobody
    (folder / "eve-smith.yaml").rename(folder / "eve-jones.yaml")
    assert link_reader(ws.config, Signed("eve-smith", MON), later) is None
    assert read == []
