"""The preferences page as a reader meets it without a mouse or without sight: in Chromium, by
the keyboard and by the accessibility tree a screen reader reads (Playwright's), with and
without JavaScript, and on a phone's narrow screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from test_browser import PROFILE, browser  # noqa: F401  (the Chromium fixture)

from digest.signing import Signer

from conftest import NOW


def refused(web_workspace, browser, field: str, typed: str, javascript: bool):  # noqa: F811
    """Ada's page with ``typed`` in ``field`` and saved: the page the server gives back (422)."""
    web_workspace.profile("ada", PROFILE)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    with web_workspace.serve() as base:
        page.goto(f"{base}/u/{Signer.from_config(web_workspace.config).token('ada', NOW)}")
        page.fill(field, typed)
        with page.expect_response(lambda r: r.request.method == "POST" and "/preview" not in r.url) as answer:
            page.click("#save")
        assert answer.value.status == 422
        page.wait_for_load_state()
        return page


def test_a_refused_save_marks_the_field_it_names_and_takes_the_keyboard_there(web_workspace, browser):  # noqa: F811
    # The page came back with "Not saved. Please fix: ..." at its top and the keyboard's focus at
    # the page's start: the field was marked nowhere (no aria-invalid, nothing describing it), so
    # a screen reader's user, tabbing to it, heard "Weight of spiking neural networks, 0,5".
    page = refused(web_workspace, browser, "[aria-label='Weight of spiking neural networks']", "0,5", False)
    weight = page.get_by_role("textbox", name="Weight of spiking neural networks")
    expect(weight).to_be_focused()  # without JavaScript too: the weights are text fields then
    expect(weight).to_have_attribute("aria-invalid", "true")
    expect(weight).to_have_accessible_description(re.compile(r"write decimals with a point: 0\.5"))
    assert page.locator("[aria-invalid]").count() == 1  # the other fields are not said wrong
    page.context.close()
    # a field the browser does not check (any text is a time zone to it)
    page = refused(web_workspace, browser, "#timezone", "Mars/Olympus", True)
    zone = page.get_by_role("combobox", name="Time zone")
    expect(zone).to_be_focused()
    expect(zone).to_have_attribute("aria-invalid", "true")
    expect(zone).to_have_accessible_description(re.compile("timezone: 'Mars/Olympus'"))
    page.context.close()
