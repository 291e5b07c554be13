"""A reader whose mail is stopped, their address having refused a digest for good (a hard bounce)
or their one-click unsubscribe kept in the database, is sent nothing, as `digest preview` says on
stderr ("note: ada is suppressed ..."): the preferences page's preview and the digest's own page
say so too, not the email that never goes (Chromium, real SMTP servers)."""

from __future__ import annotations

import urllib.request

from helpers.refusing import Refusing
from test_browser_paused_preview import stopped_preview
from test_browser_unsent import sent_to
from test_kept_unsubscribe import BROKEN, PROFILE, link, one_click

from digest.demo.smtp_server import LocalSmtpServer

from conftest import make_dump


def test_a_bounced_readers_preview_says_their_address_refused_it_as_the_daemon_sends_none(
    web_workspace,
    smtp_server,
    browser,
):
    ws = web_workspace
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests:\n  gardening robots: 2\n")
    ws.dump("day.txt", make_dump("Mar 20", [("Gardening Robots", "Robots that water plants.")]))
    assert ws.cli("ingest").exit_code == 0
    config = ws.config_path.read_text()
    with LocalSmtpServer(
        Refusing({"ada@example.org"})
    ) as refusing:  # the first send bounces: ada is suppressed
        ws.config_path.write_text(config.replace(f"port: {smtp_server.port}", f"port: {refusing.port}"))
        assert sent_to(ws, refusing) == []
    ws.config_path.write_text(config)
    noted = ws.cli("preview", "ada", "--out", str(ws.root / "preview.html")).stderr
    assert "note: ada is suppressed (<ada@example.org> refused on" in noted
    refused = "Your address refused your digests"
    with stopped_preview(ws, browser, refused, "Gardening Robots") as (page, _, said):
        assert "the mail server of ada@example.org refused your digest for good" in said, said
        assert "550 5.1.1" in said and "Gardening Robots" not in said, said
        page.fill("#max_papers", "3")  # an edit's live preview: still stopped, and the summary says so
        page.locator("#summary").filter(has_text="address refused").wait_for()
        assert page.locator("#summary").inner_text() == "1 paper · address refused: nothing is sent"
    assert sent_to(ws, smtp_server) == []  # as the pages said: nothing


def test_a_kept_unsubscribes_digest_page_says_they_unsubscribed_until_a_save_lifts_it(
    web_workspace,
    smtp_server,
    browser,
):
    ws = web_workspace
    ws.profile("ada", BROKEN)  # a hand edit broke the file: the one-click is kept in the database
    ws.dump("day.txt", make_dump("Mar 20", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    with ws.serve():
        assert one_click(ws)[0] == 200
        ws.profile("ada", PROFILE)  # fixed, without paused: the kept unsubscribe still holds
        with urllib.request.urlopen(link(ws, "/digest")) as answer:
            alone = answer.read().decode()
        assert "You unsubscribed" in alone and "Robotics Today" not in alone
        page = browser.new_page()
        page.goto(link(ws))
        page.uncheck("#paused")  # unticked, not saved: the save lifts it, so the digest is shown
        page.frame_locator("#preview").get_by_role("link", name="Robotics Today").wait_for()
        assert page.locator("#summary").inner_text() == "1 paper"
        page.close()
    assert sent_to(ws, smtp_server) == []  # as the page said: nothing, until a save
