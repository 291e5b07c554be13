"""A one-click unsubscribe of a reader whose profile file a hand edit broke is not lost (RFC 8058
asks mail providers not to try the POST again): it is kept in the database, no digest goes to
them whatever the fixed file says, and it holds until they undo it from their page (the real
server, Chromium, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import urllib.request
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from digest.daemon.sendnow import send_now
from digest.deliver.suppressions import UNSUBSCRIBE, Suppressions
from digest.profiles.load import load_profiles
from digest.signing import Signer
from digest.store import Store

from conftest import NOW, SECRET, WebWorkspace, make_dump, schema_at

pytestmark = pytest.mark.backends

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE + "# from bob.yaml: bob@private.example.org\nexclude: [medical\n"
# A page without edits follows its profile file (prefs.js's poll, every 1.5 s): while the file is
# broken it says so and waits (test_browser_unreadable_poll.py), and once the file reads again
# changed it is made again. The tests that break and fix the file under an open page edit it
# first, as its reader would: no reload comes between their steps (a fill into a page reloading).
SECRETS = ("ada.yaml", "line 6", "YAML", "medical", "bob", "private.example.org")


@pytest.fixture
def ws(tmp_path, smtp_server, database, monkeypatch) -> WebWorkspace:
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, smtp_server.port, database)
    ws.profile("ada", PROFILE)
    ws.dump("day.txt", make_dump("Mar 20", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    return ws


def link(ws: WebWorkspace, where: str = "") -> str:
    return f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', NOW)}{where}"


def one_click(ws: WebWorkspace) -> tuple[int, str]:
    """The mail provider's POST (RFC 8058), as Gmail makes it."""
    request = urllib.request.Request(link(ws, "/unsubscribe"), data=b"List-Unsubscribe=One-Click")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def send(ws: WebWorkspace, smtp_server) -> list[str]:
    """`digest send`'s work at NOW: to whom a digest went."""
    before = len(smtp_server.messages)
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
    return [to for m in smtp_server.messages[before:] for to in m.rcpt_tos]


def kept(ws: WebWorkspace):
    with Store(ws.config.database) as store:
        return Suppressions(store).unsubscribed("ada")


def test_a_one_click_unsubscribe_on_a_broken_file_stops_every_digest_until_the_reader_undoes_it(
    ws,
    smtp_server,
    browser,
    caplog,
):
    path = ws.profile("ada", BROKEN)
    caplog.set_level(logging.INFO, logger="digest.web")
    with ws.serve():
        status, body = one_click(ws)
        assert status == 200 and "You are unsubscribed" in body  # done: nothing for the provider to retry
        assert not any(secret in body for secret in SECRETS)
        assert path.read_text() == BROKEN  # the file is never written while broken
        assert "unsubscribe of ada kept in the database" in caplog.text
        assert "digest profile set ada paused true" in caplog.text
        assert kept(ws) is not None

        ws.profile("ada", PROFILE)  # the operator fixes the file: it says nothing of the unsubscribe
        assert send(ws, smtp_server) == []  # yet no digest goes to ada
        status_text = ws.cli("status").output
        assert "unsubscribed (kept in the database)" in status_text
        assert "unsubscribed on 2026-03-20 12:00 UTC" in status_text

        page = browser.new_page()
        page.goto(link(ws, "/unsubscribe"))  # the footer's link: they are told, with the undo
        assert page.locator("h1").inner_text() == "You are unsubscribed"
        assert "ada@example.org" in page.locator("main").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Undo: send my digests again").click()
        assert page.locator(".notice").inner_text() == "Welcome back: your digests are on again."
        page.close()
        # her file, which does not pause her, left as it is: the undo said in the log all the same
        # (the operator was told above to write `paused true` into it once it reads)
        undone = "ada undid their unsubscribe (kept in the database; their file does not pause them)"
        assert undone in caplog.text
    assert kept(ws) is None and path.read_text() == PROFILE
    assert send(ws, smtp_server) == ["ada@example.org"]


def test_the_preferences_page_shows_a_kept_unsubscribe_and_a_save_writes_it_into_the_file(
    ws,
    smtp_server,
    browser,
):
    path = ws.profile("ada", BROKEN)
    with ws.serve():
        assert one_click(ws)[0] == 200
        path.write_text(PROFILE)  # fixed
        page = browser.new_page()
        page.goto(link(ws))
        assert "You unsubscribed on 20 March 2026" in page.locator(".notice").inner_text()
        # a plain load (the email's link: a new page, a change of context) is read from its start,
        # the note next after the heading; it takes no focus and no announcement, as a save's
        # outcome does (WCAG 4.1.3's status messages are changes within a page, not a page loaded)
        expect(page.locator("body")).to_be_focused()
        snapshot = '- heading "Your digest, Ada" [level=1]\n- status: /^You unsubscribed on 20 March 2026/'
        expect(page.locator("main")).to_match_aria_snapshot(snapshot)
        assert page.locator("#paused").is_checked()
        # the box ticked for them, described by the note that says why and what unticking does
        # (WAI-ARIA's aria-describedby), which a reader going from field to field hears with it
        # (before: "Pause my digest, checkbox, checked", nothing of the unsubscribe)
        pause = page.get_by_role("checkbox", name="Pause my digest")
        expect(pause).to_have_accessible_description(
            re.compile(r"^You unsubscribed on 20 March 2026: .* save\.$")
        )
        page.fill("#send_at", "08:15")  # a change of something else: still paused, now in the file
        with page.expect_navigation():
            page.click("#save")
        assert page.locator(".notice").inner_text() == "Saved."
        assert page.locator("#paused").is_checked()
        expect(pause).to_have_accessible_description("")  # the file says it: nothing more to say
        page.close()
    assert yaml.safe_load(path.read_text())["paused"] is True
    assert kept(ws) is None  # the file says it now
    assert send(ws, smtp_server) == []


def test_a_page_opened_before_the_unsubscribe_does_not_lift_it_with_a_save(
    ws,
    smtp_server,
    browser,
):
    """Its form never showed the unsubscribe: saved with the pause unticked, as it was."""
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        page = browser.new_page()
        page.goto(link(ws))  # opened while the file was fine, left open
        page.fill("#send_at", "08:15")  # edited first: an unedited page reloads (above)
        path.write_text(BROKEN)
        assert one_click(ws)[0] == 200  # from the mail, meanwhile
        path.write_text(PROFILE)  # fixed, as it was
        with page.expect_navigation():
            page.click("#save")
        notice = page.locator(".notice").inner_text()
        assert notice.startswith("Saved.") and "You unsubscribed on 20 March 2026" in notice  # told now
        pause = page.get_by_role("checkbox", name="Pause my digest")  # described by that note alone
        expect(pause).to_have_accessible_description(re.compile("^You unsubscribed on 20 March 2026"))
        page.close()
    assert yaml.safe_load(path.read_text())["send_at"] == "08:15"
    assert kept(ws) is not None and send(ws, smtp_server) == []


def test_the_undo_works_while_the_file_is_still_broken_and_leaves_it_as_it_is(
    ws,
    smtp_server,
    browser,
):
    path = ws.profile("ada", BROKEN)
    with ws.serve():
        page = browser.new_page()
        page.goto(link(ws, "/unsubscribe"))  # the footer's link: the button works without the file
        assert page.locator("h1").inner_text() == "Unsubscribe?"
        assert not any(secret in page.content() for secret in SECRETS)
        with page.expect_navigation():
            page.get_by_role("button", name="Unsubscribe").click()
        assert page.locator("h1").inner_text() == "You are unsubscribed"
        assert kept(ws) is not None
        with page.expect_navigation():
            page.get_by_role("button", name="Undo: send my digests again").click()
        assert page.locator("h1").inner_text() == "Your unsubscribe is lifted"
        page.close()
    assert kept(ws) is None and path.read_text() == BROKEN
    path.write_text(PROFILE)
    assert send(ws, smtp_server) == ["ada@example.org"]


def test_an_undo_while_the_file_is_broken_says_what_the_fixed_file_will_decide_not_welcome_back(
    ws,
    smtp_server,
    browser,
):
    """The fixed file may say paused: the page promises no digest, and says so once it reads."""
    path = ws.profile("ada", BROKEN)
    with ws.serve():
        assert one_click(ws)[0] == 200
        page = browser.new_page()
        page.goto(link(ws, "/unsubscribe"))
        with page.expect_navigation():
            page.get_by_role("button", name="Undo: send my digests again").click()
        assert page.locator("h1").inner_text() == "Your unsubscribe is lifted"  # not "Welcome back"
        said = page.locator("main").inner_text()
        assert "Your settings cannot be read right now" in said
        assert "unless your settings then say they are paused" in said
        assert not any(secret in page.content() for secret in SECRETS)
        assert kept(ws) is None

        path.write_text(PROFILE + "paused: true\n")  # fixed, and it says paused
        assert send(ws, smtp_server) == []
        page.goto(link(ws, "/unsubscribe"))  # as the page said: it tells, and offers the undo
        assert page.locator("h1").inner_text() == "You are unsubscribed"
        with page.expect_navigation():
            page.get_by_role("button", name="Undo: send my digests again").click()
        assert page.locator(".notice").inner_text() == "Welcome back: your digests are on again."
        page.close()
    assert send(ws, smtp_server) == ["ada@example.org"]


def test_the_operators_command_writes_a_kept_unsubscribe_into_the_file_and_a_bounce_never_replaces_it(
    ws, smtp_server
):
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
        Suppressions(store).add("ada", "ada@example.org", "550 5.1.1 no such user", NOW)  # a late bounce
        assert Suppressions(store).get("ada").kind == UNSUBSCRIBE
    ws.profile("ada", PROFILE.replace("ada@example.org", "ada@new.example.org"))  # another address: still
    assert send(ws, smtp_server) == []
    result = ws.cli("profile", "set", "ada", "paused", "true")
    assert result.exit_code == 0
    assert "ada's unsubscribe, kept in the database, is now in the file" in result.output
    assert kept(ws) is None


def test_the_bounces_of_a_database_before_unsubscribes_were_kept_stay_bounces(db_at):
    """Migration 23 -> 24 on both databases: a suppression stored before is a hard bounce."""
    db = schema_at(db_at, 23)
    db.execute(
        "INSERT INTO suppressions (user, recipient, reply, at) VALUES (?, ?, ?, ?)",
        ("ada", "ada@example.org", "550 5.1.1 no such user", NOW.isoformat()),
    )
    db.close()
    with Store(db_at) as store:
        found = Suppressions(store).get("ada")
        assert found.kind == "bounce" and Suppressions(store).unsubscribed("ada") is None
        assert found.covers("ADA@example.org") and not found.covers("ada@new.example.org")


def test_a_page_opened_before_the_unsubscribe_sent_back_after_a_conflict_does_not_lift_it(
    ws,
    smtp_server,
    browser,
):
    """The operator's fix changes the file: the old page's save is a conflict, and the form sent
    back (the reader's edits) says the unsubscribe and shows them paused, so saving it again as it
    stands keeps them unsubscribed."""
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        page = browser.new_page()
        page.goto(link(ws))  # opened while the file was fine, left open
        page.fill("#send_at", "08:15")  # edited first: an unedited page reloads (above)
        path.write_text(BROKEN)
        assert one_click(ws)[0] == 200  # from the mail, meanwhile
        path.write_text(PROFILE + "# fixed by the operator\n")  # fixed: not the text the page was opened on
        with page.expect_navigation():
            page.click("#save")
        assert "changed" in page.locator(".notice").inner_text()  # the conflict, with the edits
        assert "You unsubscribed on 20 March 2026" in page.locator(".notice").inner_text()
        assert page.locator("#paused").is_checked() and page.input_value("#send_at") == "08:15"
        with page.expect_navigation():
            page.click("#save")  # saved again as it stands
        assert page.locator(".notice").inner_text() == "Saved."
        page.close()
    assert yaml.safe_load(path.read_text())["send_at"] == "08:15"
    assert send(ws, smtp_server) == []


def test_a_digest_already_queued_for_the_reader_is_not_sent_after_a_kept_unsubscribe(ws, smtp_server):
    from digest.deliver.delivery import deliver_due
    from digest.deliver.outbox import Outbox
    from digest.deliver.senders import sender_factory

    with Store(ws.config.database) as store, store.transaction():
        Outbox(store).enqueue(
            user="ada", recipient="ada@example.org", message_id="<queued@x>", subject="s", mime=b"m",
            paper_ids=[], now=NOW, holder=None,
        )  # fmt: skip
    path = ws.profile("ada", BROKEN)
    with ws.serve():
        assert one_click(ws)[0] == 200
    path.write_text(PROFILE)
    with Store(ws.config.database) as store:
        outcomes = deliver_due(ws.config, store, sender_factory(ws.config), NOW)
        status = store.db.execute("SELECT status, last_error FROM outbox").fetchall()
    assert smtp_server.messages == [] and len(outcomes) == 1
    assert status[0][0] == "failed" and "unsubscribed on 2026-03-20" in status[0][1]


def test_the_name_given_to_a_newcomer_after_the_reader_left_does_not_keep_their_unsubscribe(ws, smtp_server):
    """ada unsubscribed while her file could not be read, then her file was removed; a new reader
    with another address given the name ada later is not unsubscribed by her request."""
    assert send(ws, smtp_server) == ["ada@example.org"]
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
    ws.profile("bob", PROFILE.replace("ada@", "bob@"))  # (a folder left empty is no removal: a disk)
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert send(ws, smtp_server) == ["bob@example.org"]  # the pass finds ada's file gone
    ws.profile("ada", PROFILE.replace("ada@example.org", "ada.newcomer@example.org"))
    with Store(ws.config.database) as store:
        report = send_now(ws.config, store, load_profiles(ws.config), None, NOW + dt.timedelta(days=1))
    # a new reader: a first digest, the papers sent to the removed ada being hers, not theirs
    assert [p.action for p in report.planned if p.profile.user == "ada"] == ["new"]
    assert kept(ws) is None


def test_a_removed_file_put_back_with_the_readers_address_keeps_their_unsubscribe(ws, smtp_server):
    assert send(ws, smtp_server) == ["ada@example.org"]
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
    ws.profile("bob", PROFILE.replace("ada@", "bob@"))  # (a folder left empty is no removal: a disk)
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert send(ws, smtp_server) == ["bob@example.org"]  # the pass finds ada's file gone
    ws.profile("ada", PROFILE)  # back (a sync tool): the same reader
    with Store(ws.config.database) as store:
        report = send_now(ws.config, store, load_profiles(ws.config), None, NOW + dt.timedelta(days=1))
    assert [p.action for p in report.planned if p.profile.user == "ada"] == ["suppressed"]
    assert kept(ws) is not None


def page_of_a_kept_unsubscribe(ws: WebWorkspace, browser, path: Path):
    """ada's one-click unsubscribe kept while ``path``, her file, was broken, then the file fixed
    (`paused: false`): her page, opened, says the unsubscribe and has its pause box ticked for it."""
    assert one_click(ws)[0] == 200
    path.write_text(PROFILE + "paused: false\n")  # fixed
    page = browser.new_page()
    page.goto(link(ws))
    expect(page.locator("#kept-note")).to_contain_text("You unsubscribed on 20 March 2026")
    assert page.locator("#paused").is_checked()
    return page


def test_an_open_page_follows_the_kept_unsubscribe_lifted_by_the_operator(ws, browser):
    """The fixed file says `paused: false` already: `digest profile set ada paused false` lifts the
    kept unsubscribe and writes nothing. Was: the open page kept saying "You unsubscribed on ...",
    the pause box ticked for ada, and a save of another field from it paused her again."""
    path = ws.profile("ada", BROKEN)
    with ws.serve():
        page = page_of_a_kept_unsubscribe(ws, browser, path)
        text, stat = path.read_text(), path.stat()
        result = ws.cli("profile", "set", "ada", "paused", "false")
        assert "ada is no longer suppressed: digests go to them again" in result.output
        assert (path.read_text(), path.stat().st_mtime_ns) == (text, stat.st_mtime_ns)  # not written
        expect(page.locator("#kept-note")).to_have_count(0, timeout=8000)  # the page made again
        assert not page.locator("#paused").is_checked()
        page.close()
    assert kept(ws) is None


def test_a_page_with_edits_does_not_pause_again_a_reader_the_operator_released(ws, browser):
    """`digest suppressed --release ada` while her page, drawn with the kept unsubscribe (its pause
    box ticked for it), has edits: its poll says the profile changed elsewhere; a save from it
    said "Saved." and wrote `paused: true` into the file, pausing again the reader just released.
    It is now a conflict: her edits kept over the profile as it is, the box unticked."""
    path = ws.profile("ada", BROKEN)
    with ws.serve():
        page = page_of_a_kept_unsubscribe(ws, browser, path)
        page.fill("[name=new_kw]", "spiking")
        assert "ada: released" in ws.cli("suppressed", "--release", "ada").output
        expect(page.locator("#status")).to_contain_text("changed elsewhere", timeout=8000)
        with page.expect_navigation():
            page.click("#save")
        expect(page.locator("#notice")).to_contain_text("Your unsubscribe was lifted")
        assert not page.locator("#paused").is_checked()
        assert "spiking" in [f.input_value() for f in page.locator("[name=kw]").all()]
        assert "paused: false" in path.read_text() and "spiking" not in path.read_text()
        with page.expect_navigation():
            page.click("#save")
        expect(page.locator("#notice")).to_have_text("Saved.")
        assert "paused: false" in path.read_text() and "spiking" in path.read_text(), path.read_text()
        page.close()
    assert kept(ws) is None
