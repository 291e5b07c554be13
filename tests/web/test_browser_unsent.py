"""The preferences page's preview says what the daemon will really do: with nothing new for the
reader and no `send_empty: true`, no email goes (their period is done without one), so the
preview shows that, not a "Nothing new today" note that never comes (Chromium, a real SMTP server)."""

from __future__ import annotations

from digest.daemon.sendnow import send_now
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import NOW, make_dump

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  quantum: 2\n"
PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]


def sent_to(ws, smtp_server, force: bool = False) -> list[list[str]]:
    before = len(smtp_server.messages)
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW, force=force)
    return [m.rcpt_tos for m in smtp_server.messages[before:]]


def test_with_nothing_new_and_no_send_empty_the_preview_says_no_email_goes_as_the_daemon_sends_none(
    web_workspace,
    smtp_server,
    browser,
):
    ws = web_workspace
    path = ws.profile("ada", PROFILE)
    ws.dump("day.txt", make_dump("Mar 20", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    with ws.serve():
        page = browser.new_page()
        page.goto(ws.page_url())
        frame = page.frame_locator("#preview")
        frame.locator("h1").filter(has_text="No email for now").wait_for()  # not "Nothing new today"
        assert "a day without papers for you sends no email" in frame.locator("body").inner_text()

        page.fill("#new-kw", "gardening")  # an edit that brings a paper: the digest is shown
        page.fill("#new-weight", "2")
        page.click("#add")
        frame.get_by_text("Gardening Robots").wait_for()
        assert page.locator("#summary").inner_text() == "1 paper"
        page.locator("#interests [name=kw]").nth(1).fill("tomography")  # again nothing
        frame.locator("h1").filter(has_text="No email for now").wait_for()
        assert page.locator("#summary").inner_text() == "0 papers · no email is sent"
        page.close()
    assert sent_to(ws, smtp_server) == []  # as the page said: nothing, not a note

    path.write_text(PROFILE + "send_empty: true\n")  # the reader asks for the note: it is shown
    with ws.serve():
        page = browser.new_page()
        page.goto(ws.page_url())
        page.frame_locator("#preview").locator("h1").filter(has_text="Nothing new today, Ada").wait_for()
        page.close()
    assert sent_to(ws, smtp_server, force=True) == [["ada@example.org"]]  # the period again: the note
