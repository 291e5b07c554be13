"""A save refused for a field, on a phone: the page comes back scrolled to that field, focused, and
what is wrong with it is said there, next to it, not only in the box at the top of the page (some
650 px above at 375 px, out of sight). Real Chromium on `digest serve`'s app."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from helpers.sent_digest import PROFILE
from playwright.sync_api import Page

SAID = "'Europe/Londn' is not a known IANA time zone (did you mean Europe/London?)"


@contextlib.contextmanager
def ada_on_a_phone(ws, browser, script: bool = True) -> Iterator[Page]:
    """ada's page of a served app in Chromium at a phone's size (375 x 700), with JavaScript or
    without, open while the block runs."""
    ws.with_ada(PROFILE)
    with ws.serve():
        context = browser.new_context(viewport={"width": 375, "height": 700}, java_script_enabled=script)
        try:
            page = context.new_page()
            page.goto(ws.page_url())
            yield page
        finally:
            context.close()


@pytest.mark.parametrize("script", [True, False], ids=["javascript", "no-javascript"])
def test_a_refused_field_says_what_is_wrong_next_to_it(web_workspace, browser, script):
    with ada_on_a_phone(web_workspace, browser, script) as page:
        field = page.locator("#timezone")
        field.fill("Europe/Londn")
        with page.expect_navigation():
            field.press("Enter")
        assert page.locator("#errors").count() == 1  # the box at the top says it still
        assert page.evaluate("document.activeElement.id") == "timezone"
        said = page.get_by_text(SAID, exact=True)
        assert said.is_visible() and said.evaluate("e => e.getBoundingClientRect().bottom <= innerHeight")
        below = said.bounding_box()["y"] - (field.bounding_box()["y"] + field.bounding_box()["height"])
        assert 0 <= below < 24  # right under the field
        described = field.get_attribute("aria-describedby").split()
        assert said.get_attribute("id") in described
        # said once to a screen reader: its description is its own message, not the box saying it again
        assert "errors" not in described
        cdp = page.context.new_cdp_session(page)
        descriptions = [
            n["description"]["value"]
            for n in cdp.send("Accessibility.getFullAXTree")["nodes"]
            if n.get("name", {}).get("value") == "Time zone" and n.get("description")
        ]
        assert descriptions == [SAID]
        # its name is still its label (the message beside it describes it, not names it)
        assert field.aria_snapshot().startswith('- combobox "Time zone" [invalid]')


def test_what_the_live_preview_refuses_is_said_next_to_the_field_while_typing(web_workspace, browser):
    with ada_on_a_phone(web_workspace, browser) as page:
        field = page.locator("#timezone")
        field.fill("Europe/Londn")  # not saved: the preview refuses it
        said = page.get_by_text(SAID, exact=True)
        said.wait_for()
        field.scroll_into_view_if_needed()
        assert said.is_visible() and page.locator("#preview-errors").is_visible()  # said there too
        below = said.bounding_box()["y"] - (field.bounding_box()["y"] + field.bounding_box()["height"])
        assert 0 <= below < 24  # right under the field, as a refused save's page says it
        described = field.get_attribute("aria-describedby").split()
        # said once to a screen reader: by its own message, not the preview's box saying it again
        assert described == [said.get_attribute("id")]
        cdp = page.context.new_cdp_session(page)
        descriptions = [
            n["description"]["value"]
            for n in cdp.send("Accessibility.getFullAXTree")["nodes"]
            if n.get("name", {}).get("value") == "Time zone" and n.get("description")
        ]
        assert descriptions == [SAID]
        assert field.aria_snapshot().startswith('- combobox "Time zone" [invalid]')
        field.fill("Europe/London")  # taken: unsaid
        said.wait_for(state="detached")
        assert page.locator(".field-error").count() == 0
        assert field.get_attribute("aria-invalid") is None


def test_a_preview_that_cannot_be_made_leaves_the_fields_marked_as_they_were(web_workspace, browser):
    # A 503 (here: ada.yaml broken under the page) is no preview: what the last one said of a field
    # stays under it, and the field stays marked and described by it, not one without the other.
    with ada_on_a_phone(web_workspace, browser) as page:
        field = page.locator("#timezone")
        field.fill("Europe/Londn")
        said = page.get_by_text(SAID, exact=True)
        said.wait_for()
        (web_workspace.root / "profiles" / "ada.yaml").write_text("email: [\n")
        with page.expect_response(lambda r: r.url.endswith("/preview")) as answer:
            field.fill("Europe/Lond")
        assert answer.value.status == 503
        page.get_by_text("Your profile cannot be read right now", exact=False).wait_for()
        assert said.is_visible()
        assert field.get_attribute("aria-invalid") == "true"
        assert field.get_attribute("aria-describedby") == said.get_attribute("id")


def test_a_field_a_refused_save_marked_is_unmarked_once_the_preview_takes_it(web_workspace, browser):
    with ada_on_a_phone(web_workspace, browser) as page:
        field = page.locator("#timezone")
        field.fill("Europe/Londn")
        with page.expect_navigation():
            field.press("Enter")  # refused: the page comes back with the field marked
        assert field.get_attribute("aria-invalid") == "true"
        with page.expect_response(lambda r: r.url.endswith("/preview")):
            field.fill("Europe/London")  # taken by the preview: its message goes, and its mark
        page.get_by_text(SAID, exact=True).wait_for(state="detached")
        assert field.get_attribute("aria-invalid") is None
        assert field.get_attribute("aria-describedby") is None  # not the message gone
