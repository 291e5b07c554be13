"""The preferences page as a reader meets it without a mouse or without sight: in Chromium, by
the keyboard and by the accessibility tree a screen reader reads (Playwright's), with and
without JavaScript, and on a phone's narrow screen."""

from __future__ import annotations

import re

from helpers.sent_digest import PROFILE
from playwright.sync_api import expect


def refused(web_workspace, browser, field: str, typed: str, javascript: bool):
    """Ada's page with ``typed`` in ``field`` and saved: the page the server gives back (422)."""
    web_workspace.profile("ada", PROFILE)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    with web_workspace.serve():
        page.goto(web_workspace.page_url())
        page.fill(field, typed)
        with page.expect_response(lambda r: r.request.method == "POST" and "/preview" not in r.url) as answer:
            page.click("#save")
        assert answer.value.status == 422
        page.wait_for_load_state()
        return page


def test_a_refused_save_marks_the_field_it_names_and_takes_the_keyboard_there(web_workspace, browser):
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
    said = "'Mars/Olympus' is not a known IANA time zone (e.g. Europe/London)"
    expect(zone).to_have_accessible_description(said)  # said once: the box at the top is not read again
    page.context.close()


def test_a_keyword_too_long_is_marked_in_its_own_field_not_the_empty_new_one(web_workspace, browser):
    # "interests: a keyword of 300 characters (...); at most 100" marked the new keyword's field:
    # refused, the page gives the keyword typed there back in a row of its own and left that
    # field empty, so the keyboard's focus went to an empty "New keyword, invalid"; typed in a
    # keyword's row, the preview marked the new keyword's field too, not the one being typed in.
    long = "neuromorphic " + "x" * 300
    page = refused(web_workspace, browser, "#new-kw", long, False)
    row = page.get_by_role("textbox", name="Keyword").nth(2)
    expect(row).to_have_value(long)
    expect(row).to_be_focused()
    expect(row).to_have_attribute("aria-invalid", "true")
    expect(row).to_have_accessible_description(re.compile("a keyword of 313 characters"))
    expect(page.locator("#new-kw")).not_to_have_attribute("aria-invalid", "true")
    page.context.close()
    web_workspace.profile("ada", PROFILE)
    page = browser.new_page()  # with JavaScript, as the reader types in a keyword's row
    with web_workspace.serve():
        page.goto(web_workspace.page_url())
        page.fill("[name=kw] >> nth=1", long)
        expect(page.locator("#preview-errors")).to_be_visible()
        expect(page.locator("[name=kw] >> nth=1")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#new-kw")).not_to_have_attribute("aria-invalid", "true")
        page.fill("[name=kw] >> nth=1", "neuromorphic")  # taken: unmarked
        expect(page.locator("#preview-errors")).to_be_hidden()
        expect(page.locator("[name=kw] >> nth=1")).not_to_have_attribute("aria-invalid", "true")
        page.fill("#new-kw", long)  # the new keyword's own field, while it is being added
        expect(page.locator("#new-kw")).to_have_attribute("aria-invalid", "true")
    page.close()


# Whether a field's text is wider than the field (shown cut: "spiking neural netw").
CUT = "(e) => e.scrollWidth > e.clientWidth"


def test_on_a_narrow_screen_each_keyword_is_shown_whole_with_its_weight_named(web_workspace, browser):
    # At 320 px the keyword stood beside its weight and remove button, in 140 px of the width:
    # "spiking neural networks" read "spiking neural netw", the new keyword's hint "Add a keyword".
    web_workspace.profile("ada", PROFILE)
    with web_workspace.serve():
        url = web_workspace.page_url()
        for javascript in (True, False):
            context = browser.new_context(
                viewport={"width": 320, "height": 640}, java_script_enabled=javascript
            )
            page = context.new_page()
            page.goto(url)
            keyword = page.locator("[name=kw]").first
            assert keyword.input_value() == "spiking neural networks"
            assert not keyword.evaluate(CUT)
            assert page.evaluate("document.documentElement.scrollWidth") == 320  # nothing off the side
            row = page.locator("#interests .row").first
            assert row.locator(".weight-label").is_visible()  # the weight under it says what it is
            weight = row.locator("[name=weight]").bounding_box()
            assert weight["y"] > keyword.bounding_box()["y"] + 10  # on the line under it
            expect(
                page.get_by_role(
                    "spinbutton" if javascript else "textbox", name="Weight of spiking neural networks"
                )
            ).to_be_visible()  # its name as it was
            context.close()
        page = browser.new_page(viewport={"width": 1280, "height": 720})  # wide: one line a keyword
        page.goto(url)
        keyword, weight = page.locator("[name=kw]").first, page.locator("[name=weight]").first
        assert weight.bounding_box()["y"] == keyword.bounding_box()["y"]
        assert not page.locator("#interests .weight-label").first.is_visible()
        assert page.locator(".row.head").is_visible()
        page.close()


def test_without_javascript_no_button_is_offered_that_does_nothing(web_workspace, browser):
    # Add and each keyword's remove button (x) are the script's: without it they were there, in
    # the keyboard's order and the screen reader's, and did nothing when pressed. Without it a
    # keyword is removed by clearing it, and one typed under the others is added by Save.
    path = web_workspace.profile("ada", PROFILE)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    with web_workspace.serve():
        page.goto(web_workspace.page_url())
        assert [b.get_attribute("id") for b in page.get_by_role("button").all()] == ["save"]
        page.fill("[name=kw] >> nth=1", "")  # neuromorphic, cleared
        page.fill("#new-kw", "event cameras")
        page.keyboard.press("Enter")  # the form is sent, as by Save
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        assert "event cameras: 1" in path.read_text() and "neuromorphic" not in path.read_text()
    context.close()
    page = browser.new_page()  # with it, they are there
    with web_workspace.serve():
        page.goto(web_workspace.page_url())
        expect(page.get_by_role("button", name="Add")).to_be_visible()
        expect(page.get_by_role("button", name="Remove spiking neural networks")).to_be_visible()
    page.close()


def test_the_previews_errors_mark_the_field_they_name_while_it_is_wrong(web_workspace, browser):
    # As the reader typed, the preview said "timezone: 'Mars/Olympus' ..." by itself, under the
    # form on a phone's screen; the field it names was not marked, nor described by it.
    web_workspace.profile("ada", PROFILE)
    page = browser.new_page()
    with web_workspace.serve():
        page.goto(web_workspace.page_url())
        page.fill("#timezone", "Mars/Olympus")
        expect(page.locator("#preview-errors")).to_be_visible()
        zone = page.get_by_role("combobox", name="Time zone")
        expect(zone).to_have_attribute("aria-invalid", "true")
        # described by its own message once, not again by the box of them all
        expect(zone).to_have_accessible_description(
            "'Mars/Olympus' is not a known IANA time zone (e.g. Europe/London)"
        )
        weight = page.get_by_role("spinbutton", name="Weight of neuromorphic")
        page.fill("[aria-label='Weight of neuromorphic']", "0")  # a keyword's weight: its row's field
        expect(weight).to_have_attribute("aria-invalid", "true")
        page.fill("[aria-label='Weight of neuromorphic']", "2")
        page.fill("#timezone", "UTC")  # taken: unmarked
        expect(page.locator("#preview-errors")).to_be_hidden()
        expect(zone).not_to_have_attribute("aria-invalid", "true")
        page.fill("#new-kw", "x" * 300)  # a keyword too long: the new keyword's field
        expect(page.locator("#new-kw")).to_have_attribute("aria-invalid", "true")
        # the new keyword's weight ("interests.robots: weight 0 ..."): its own field, as a row's
        page.fill("#new-kw", "robots")
        page.fill("#new-weight", "0")
        new_weight = page.locator("#new-weight")
        expect(new_weight).to_have_attribute("aria-invalid", "true")
        expect(new_weight).to_have_accessible_description("weight 0 is not a positive number up to 100")
        expect(page.locator("#new-kw")).not_to_have_attribute("aria-invalid", "true")
    page.close()


def test_a_saves_outcome_is_read_out_when_its_page_comes(web_workspace, browser):
    # "Saved." and the 409's "the profile changed since you opened it" were a role=status
    # paragraph present when the page loaded, which a screen reader does not read (a live region
    # says only what changes in it), and the keyboard's focus was at the page's start: the
    # reader heard nothing of the save.
    web_workspace.profile("ada", PROFILE)
    with web_workspace.serve():
        url = web_workspace.page_url()
        for javascript in (True, False):
            context = browser.new_context(java_script_enabled=javascript)
            page = context.new_page()
            page.goto(url)
            expect(page.locator("body")).to_be_focused()  # a plain load takes no focus
            page.fill("#max_papers", "7")
            page.click("#save")
            notice = page.get_by_role("status").filter(has_text="Saved.")
            expect(notice).to_be_focused()  # read out as the page comes, by its focus
            expect(page.locator("main")).to_match_aria_snapshot("- status: Saved.")
            context.close()
        context = browser.new_context(java_script_enabled=False)  # changed elsewhere meanwhile: 409
        page = context.new_page()
        page.goto(url)
        page.fill("#max_papers", "8")
        assert web_workspace.cli("profile", "add", "ada", "robots").exit_code == 0
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#save")
        assert answer.value.status == 409
        page.wait_for_load_state()
        alert = page.get_by_role("alert").filter(has_text="the profile changed since you opened it")
        expect(alert).to_be_focused()
        expect(page.locator("main")).to_match_aria_snapshot("- alert: /the profile changed since/")
        context.close()


def test_without_javascript_the_week_day_says_it_is_for_a_weekly_digest_only(web_workspace, browser):
    # Without the script the week day ("On: Monday") stood beside "How often: Every day", as if
    # a daily digest went on Mondays; the server ignores it then.
    web_workspace.profile("ada", PROFILE)
    with web_workspace.serve():
        url = web_workspace.page_url()
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_role("combobox", name="How often")).to_have_value("daily")
        day = page.get_by_role("combobox", name=re.compile(r"\(weekly digests only\)"))
        expect(day).to_be_visible()
        context.close()
        page = browser.new_page()  # with it, shown only for a weekly digest, where it is true
        page.goto(url)
        expect(day := page.locator("#weekday")).to_be_hidden()
        page.select_option("#frequency", "weekly")
        expect(day).to_be_visible()
        expect(page.locator("#weekday-field")).to_have_text(re.compile(r"^\s*Day\s"))
        page.close()


def test_a_long_address_in_the_pages_head_is_shown_whole(web_workspace, browser):
    # "averyveryverylongname.lastname@research-institute.example.org" read "averyveryverylo..."
    # at the page's top on a phone: the reader could not read their own address.
    address = "averyveryverylongname.lastname@research-institute.example.org"
    web_workspace.profile("ada", PROFILE.replace("ada@example.org", address))
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 320, "height": 640})
        page.goto(web_workspace.page_url())
        who = page.locator(".who")
        expect(who).to_have_text(address)
        assert not who.evaluate(CUT)
        assert page.evaluate("document.documentElement.scrollWidth") == 320  # nothing off the side
        page.close()


def test_a_row_added_by_the_page_names_its_keyword_in_its_weights_label(web_workspace, browser):
    # A row added with "Add" kept the template's aria-label="Weight": a screen reader said "Weight"
    # for every added row, and a comma typed there was said "Not previewed: Weight: Write
    # decimals with a point ...", not which keyword's weight it was.
    web_workspace.profile("ada", PROFILE)
    page = browser.new_page()
    with web_workspace.serve():
        page.goto(web_workspace.page_url())
        page.fill("#new-kw", "graph neural networks")
        page.click("#add")
        weight = page.get_by_role("spinbutton", name="Weight of graph neural networks")
        expect(weight).to_have_count(1)
        expect(page.get_by_role("button", name="Remove graph neural networks")).to_have_attribute(
            "title", "Remove graph neural networks"
        )
        weight.fill("")
        weight.press_sequentially("1,5")
        said = re.compile(r"^Not previewed: Weight of graph neural networks: Write decimals")
        expect(page.locator("text=Not previewed:")).to_have_text(said)
    page.close()
