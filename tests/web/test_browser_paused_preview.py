"""A paused reader's preview says what the daemon will really do: nothing goes to them, as
`digest preview` says on stderr ("note: ada is paused: `digest send` sends them nothing until
`digest profile set ada paused false`."), the preferences page's preview and the digest's own page
show that, not an email that never comes (Chromium, a real SMTP server)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from test_browser_unsent import sent_to

from digest.signing import Signer

from conftest import NOW, make_dump

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  gardening: 2\npaused: true\n"
PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]


@contextmanager
def stopped_preview(ws: Any, browser: Any, heading: str, paper: str) -> Iterator[tuple[Any, Any, str]]:
    """Ada's preferences page in Chromium, served by `digest serve`'s app, once its preview shows
    ``heading`` (her digests stopped: no email goes): the page, the preview's frame and what it
    says. After, the digest's page on its own (/digest) must say ``heading`` too, not ``paper``."""
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve() as base:
        page = browser.new_page()
        page.goto(f"{base}/u/{token}")
        frame = page.frame_locator("#preview")
        frame.locator("h1").filter(has_text=heading).wait_for()
        yield page, frame, frame.locator("body").inner_text()
        page.close()
        with urllib.request.urlopen(f"{base}/u/{token}/digest") as answer:  # the page on its own
            alone = answer.read().decode()
        assert heading in alone and paper not in alone, alone[:300]


def test_a_paused_readers_preview_says_no_email_goes_as_the_daemon_sends_none(
    web_workspace,
    smtp_server,
    browser,
):
    ws = web_workspace
    ws.profile("ada", PROFILE)
    ws.dump("day.txt", make_dump("Mar 20", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    with stopped_preview(ws, browser, "Your digests are paused", "Gardening Robots") as (page, frame, said):
        assert "no email is sent" in said and "Gardening Robots" not in said, said

        page.uncheck("#paused")  # unticked, not saved: the digest they would get is shown
        page.locator("#interests [name=kw]").first.fill("gardening robots")
        frame.get_by_role("link", name="Gardening Robots").wait_for()
        assert page.locator("#summary").inner_text() == "1 paper"
        page.check("#paused")  # ticked again: paused, said in the frame too
        frame.locator("h1").filter(has_text="Your digests are paused").wait_for()
        assert page.locator("#summary").inner_text() == "1 paper · paused: nothing is sent"
    assert sent_to(ws, smtp_server) == []  # as the pages said: nothing


def test_a_kept_unsubscribes_preview_says_no_email_goes_as_its_page_shows_it_paused(
    web_workspace, smtp_server
):
    """An unsubscribe kept in the database (asked while the profile file could not be read): the
    page shows the pause box ticked ("To get them again, untick ... and save") and `digest send`
    sends nothing, so its preview says no email goes ("You unsubscribed", the stopped page), not the
    email."""
    from digest.deliver.suppressions import Suppressions
    from digest.store import Store

    ws = web_workspace
    ws.profile("ada", PROFILE.replace("paused: true\n", ""))  # the file: not paused
    ws.dump("day.txt", make_dump("Mar 20", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve() as base:
        with urllib.request.urlopen(f"{base}/u/{token}") as answer:
            assert 'id="kept-note"' in answer.read().decode()  # the page: paused, and why
        with urllib.request.urlopen(f"{base}/u/{token}/digest") as answer:
            alone = answer.read().decode()
    assert "You unsubscribed" in alone and "Gardening Robots" not in alone, alone[:300]
    assert ws.cli("send").exit_code == 0 and sent_to(ws, smtp_server) == []  # as it said: nothing
