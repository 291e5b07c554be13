"""A field of the preferences page emptied and saved goes back to the default (the config's, or
the built-in one): its line leaves the profile file, the comments stay, and the page says which
fields went back and to what. Before, the emptied field was dropped from the save: "Saved." and
the old value kept. Chromium against the real `digest serve`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from digest.db import wall_clock
from digest.signing import Signer

HANG = 300  # seconds: only a process that hangs takes this long
PROFILE = """\
# Ada's profile
email: ada@example.org
timezone: Europe/London   # where Ada reads
# how many papers a digest holds at most
max_papers: 5
send_at: "06:15"
interests:
  spiking neurons: 3
"""


@contextmanager
def ada_page(ws: Any, browser: Any, profile: str) -> Iterator[tuple[Any, Path]]:
    """Ada's preferences page in Chromium, ``profile`` her file, served by a real `digest serve`
    process: the page, and her profile's path."""
    path = ws.profile("ada", profile)
    token = Signer.from_config(ws.config).token("ada", wall_clock() + dt.timedelta(seconds=1))
    with ws.served(HANG):
        page = browser.new_page()
        page.goto(f"{ws.base_url}/u/{token}")
        yield page, path
        page.close()


def test_an_emptied_field_goes_back_to_the_default_and_says_so(web_workspace, browser):
    ws = web_workspace
    with ws.config_path.open("a") as f:
        f.write("timezone: America/New_York\n")  # the config's default for profiles that name none
    with ada_page(ws, browser, PROFILE) as (page, path):
        page.locator("#timezone").fill("")
        page.locator("#max_papers").fill("")
        with page.expect_navigation():
            page.locator("#save").click()
        expect(page.locator("#notice")).to_have_text(
            "Saved. Back to the default: Time zone (America/New_York), Papers at most (10)."
        )
        expect(page.locator("#timezone")).to_have_value("America/New_York")
        expect(page.locator("#max_papers")).to_have_value("10")
        assert path.read_text() == (
            "# Ada's profile\n"
            "email: ada@example.org\n"
            "# how many papers a digest holds at most\n"
            'send_at: "06:15"\n'
            "interests:\n"
            "  spiking neurons: 3\n"
        )


def test_a_field_not_sent_is_kept(web_workspace, browser):
    ws = web_workspace
    with ada_page(ws, browser, PROFILE) as (page, path):
        page.evaluate("document.getElementById('timezone').remove()")  # a form without the field
        page.locator("#max_papers").fill("7")
        with page.expect_navigation():
            page.locator("#save").click()
        expect(page.locator("#notice")).to_have_text("Saved.")
        expect(page.locator("#timezone")).to_have_value("Europe/London")
        assert "timezone: Europe/London   # where Ada reads\n" in path.read_text()
        assert "max_papers: 7\n" in path.read_text()
