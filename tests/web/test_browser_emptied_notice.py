"""What the preferences page says after a save that emptied fields: the fields whose line left the
file, each with its default as the page shows it ("Day (Monday)"), not a field the file never set;
and said once: a reload later shows the page as it is, not that notice again. Chromium against the
real `digest serve`."""

from __future__ import annotations

from playwright.sync_api import expect
from test_browser_emptied_field import ada_page

PROFILE = """\
email: ada@example.org
timezone: Europe/London
frequency: weekly
weekday: tuesday
interests:
  spiking neurons: 3
"""


def test_the_notice_names_only_the_lines_taken_out_and_is_said_once(web_workspace, browser):
    ws = web_workspace
    with ws.config_path.open("a") as f:
        f.write("timezone: America/New_York\n")  # the config's default for profiles that name none
    with ada_page(ws, browser, PROFILE) as (page, path):
        page.locator("#timezone").fill("")
        page.locator("#max_papers").fill("")  # never written: at its default already
        # a form that sends the day empty (the select offers no empty choice: as a script may post it)
        page.evaluate("const s = document.getElementById('weekday'); s.add(new Option('', '')); s.value = ''")
        with page.expect_navigation():
            page.locator("#save").click()
        expect(page.locator("#notice")).to_have_text(
            "Saved. Back to the default: Day (Monday), Time zone (America/New_York)."
        )
        assert "weekday" not in path.read_text() and "timezone" not in path.read_text()
        page.reload()
        expect(page.locator("#timezone")).to_have_value("America/New_York")
        expect(page.locator("#notice")).to_have_count(0)  # said once
