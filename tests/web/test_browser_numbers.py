"""What a number field of the preferences page sends, the server reads as the same number:
Chromium's `<input type=number>` takes an exponent (1e2), which the server refused as text."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers.sent_digest import PROFILE
from playwright.sync_api import Locator, Page

from digest.checks import Int, Number

# Typed into a number field: HTML's valid floating-point numbers and what is not one.
TYPED = [
    "1e2", "1E2", "2.5e-1", "2.5E+1", "-0", ".5", "0.50", "007", "1e0", "12345678",
    "+1", "1.", "1e", "e2", "0x10", "1_0", "inf", "Infinity", "NaN", "1e400", "١٢", " 5", "5 ", "",
]  # fmt: skip


def test_every_number_a_number_field_takes_is_the_same_number_to_the_server(browser):
    page = browser.new_page()
    sent = page.evaluate(
        """typed => typed.map(t => {
            const field = document.createElement("input");
            field.type = "number";
            field.value = t;  // what the field keeps of it ("" if it is no number)
            return [field.value, field.valueAsNumber];
        })""",
        TYPED,
    )
    page.close()
    taken = {t: number for t, (value, number) in zip(TYPED, sent, strict=True) if value != ""}
    assert {"1e2", "2.5e-1", ".5"} <= set(taken) and not {"+1", "0x10", "inf", "1_0"} & set(taken)
    for text, number in taken.items():
        assert Number().from_text(text) == number, text
        if float(number).is_integer():  # a whole-number field (papers at most) reads it whole
            assert Int(minimum=-10).from_text(text) == number and isinstance(Int().from_text(text), int)


def test_a_number_with_an_exponent_saves_as_the_browser_read_it(web_workspace, browser):
    path = web_workspace.profile("ada", PROFILE)
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(web_workspace.page_url())
        page.fill("#max_papers", "1e1")
        page.locator("[name=weight]").first.fill("2.5e-1")  # a weight: read as the browser reads it too
        assert page.locator("#max_papers").evaluate("e => e.validity.valid")  # the browser takes it
        with page.expect_navigation():
            page.click("#save")
        assert page.locator(".notice").inner_text() == "Saved."
        assert page.locator("#max_papers").input_value() == "10"
        page.close()
    saved = yaml.safe_load(path.read_text())
    assert saved["max_papers"] == 10 and saved["interests"]["spiking neural networks"] == 0.25


COMMA = "Write decimals with a point: 0.5, not 0,5."


@contextlib.contextmanager
def ada_weight(web_workspace, browser) -> Iterator[tuple[Page, Locator]]:
    """ada's preferences page in Chromium, her first weight field emptied and focused."""
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(web_workspace.page_url())
        weight = page.locator("[name=weight]").first
        weight.fill("")
        weight.focus()
        yield page, weight
        page.close()


def refused(page: Page, weight: Locator, path: Path) -> None:
    """The field says to write a point, and a save sends nothing: the file is as it was."""
    assert weight.evaluate("e => e.validationMessage") == COMMA
    page.click("#save")  # refused by the browser: nothing sent
    assert page.locator(".notice").count() == 0
    assert yaml.safe_load(path.read_text()) == yaml.safe_load(PROFILE)


def saved(page: Page) -> None:
    with page.expect_navigation():
        page.click("#save")
    assert page.locator(".notice").inner_text() == "Saved."


def weight_in(path: Path) -> float:
    return yaml.safe_load(path.read_text())["interests"]["spiking neural networks"]


def test_a_decimal_comma_typed_in_a_number_field_is_refused_not_sent_as_a_number_ten_times_larger(
    web_workspace,
    browser,
):
    """Chromium's number field drops a comma without a word: 0,5 was sent as 05, a weight of 5."""
    path = web_workspace.profile("ada", PROFILE)
    with ada_weight(web_workspace, browser) as (page, weight):
        weight.press_sequentially("0,5")  # as a reader of a comma-decimal locale types it
        refused(page, weight, path)

        weight.fill("")  # emptied: the comma is forgotten, and a point is taken
        weight.press_sequentially("0.5")
        assert weight.evaluate("e => e.validity.valid")
        saved(page)
    assert weight_in(path) == 0.5


def test_a_decimal_comma_pasted_or_sent_by_a_phone_keyboard_is_refused_too(
    web_workspace,
    browser,
):
    """Text inserted whole (a paste, an input method, a phone's keyboard, whose key events name
    no key) arrives with no key press of a comma: '0,5' was taken as 05, a weight of 5, without a word."""
    path = web_workspace.profile("ada", PROFILE)
    with ada_weight(web_workspace, browser) as (page, weight):
        page.keyboard.insert_text("0,5")  # as an input method or a paste hands it over: no keydown
        refused(page, weight, path)

        weight.press_sequentially("0.5")  # the point, as the message asks: taken
        assert weight.evaluate("e => e.validity.valid")
        saved(page)
    assert weight_in(path) == 0.5


def test_a_refused_comma_is_corrected_in_place_by_deleting_the_digit_after_it_and_writing_a_point(
    web_workspace,
    browser,
):
    """After 0,5 (the field shows 05), a reader deletes the 5 and writes .5: 0.5 is taken, not
    refused for a comma that is no longer there (it was, until the field was emptied whole)."""
    path = web_workspace.profile("ada", PROFILE)
    with ada_weight(web_workspace, browser) as (page, weight):
        weight.press_sequentially("0,5")
        assert weight.evaluate("e => e.validationMessage") == COMMA
        weight.press("Backspace")  # 05 -> 0
        weight.press_sequentially(".5")
        assert weight.evaluate("e => [e.value, e.validity.valid]") == ["0.5", True]
        weight.press_sequentially("5")  # digits after a corrected value: taken as typed
        assert weight.evaluate("e => [e.value, e.validity.valid]") == ["0.55", True]
        saved(page)
    assert weight_in(path) == 0.55


def paste_0_5(page: Page, weight: Locator) -> None:
    """A paste of '0,5', refused whole: nothing of it is in the field."""
    page.keyboard.insert_text("0,5")


def type_0_then_select_all(page: Page, weight: Locator) -> None:
    """0, typed (the comma refused, the 0 kept), then the whole text selected (to type over it)."""
    weight.press_sequentially("0,")
    weight.press("Control+a")


@pytest.mark.parametrize("comma", [paste_0_5, type_0_then_select_all])
def test_after_a_refused_comma_a_number_typed_afresh_is_taken(
    web_workspace,
    browser,
    comma,
):
    """What the reader types next follows no comma (a 2 is a 2, not the end of 0,2): after a paste
    of '0,5' refused whole, or over the whole text selected after 0, (where it was refused for a
    comma until deleted). It is taken, not refused for a comma."""
    path = web_workspace.profile("ada", PROFILE)
    with ada_weight(web_workspace, browser) as (page, weight):
        comma(page, weight)
        assert weight.evaluate("e => e.validationMessage") == COMMA
        weight.press_sequentially("2")
        assert weight.evaluate("e => [e.value, e.validity.valid]") == ["2", True]
        saved(page)
    assert weight_in(path) == 2


def test_a_comma_typed_over_the_whole_text_selected_stands_for_it_and_is_refused(
    web_workspace,
    browser,
):
    """The weight 1.5 selected whole, the reader types ,5 (0.5 where a comma is the decimal mark):
    the comma is refused, and the 5 that replaces the selection is too (not taken as a weight of 5);
    the reader then writes 0.5 with a point, which is taken."""
    path = web_workspace.profile("ada", PROFILE)
    with ada_weight(web_workspace, browser) as (page, weight):
        weight.press_sequentially("1.5")
        weight.press("Control+a")
        weight.press_sequentially(",")
        assert weight.evaluate("e => [e.value, e.validationMessage]") == ["1.5", COMMA]
        weight.press_sequentially("5")
        assert weight.evaluate("e => e.value") == "5"
        refused(page, weight, path)
        weight.press("Control+a")
        weight.press_sequentially("0.5")
        assert weight.evaluate("e => [e.value, e.validity.valid]") == ["0.5", True]
        saved(page)
    assert weight_in(path) == 0.5


def test_without_javascript_a_decimal_comma_in_a_weight_is_refused_by_the_server(web_workspace, browser):
    """The page's script refuses the comma; without it (scripts off, a browser that runs none),
    Chromium's number field dropped it without a word: a keyword added with 0,5 was saved with
    a weight of 5 ("Saved."), ten times what was meant. The weights are text fields until the
    script makes them number fields: 0,5 reaches the server, which says to write 0.5."""
    path = web_workspace.profile("ada", PROFILE)
    with web_workspace.serve():
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(web_workspace.page_url())
        page.fill("#new-kw", "robots")
        page.locator("#new-weight").press_sequentially("0,5")
        first = page.locator("[name=weight]").first
        first.fill("")
        first.press_sequentially("1,5")  # 15 if the comma is dropped: not over the limit (100)
        with page.expect_navigation():
            page.click("#save")
        errors = page.locator(".errors").first.inner_text()
        assert "weight '0,5' is not a positive number up to 100 (write decimals with a point: 0.5)" in errors
        assert "weight '1,5' is not a positive number up to 100 (write decimals with a point: 1.5)" in errors
        assert page.locator("[name=weight]").last.input_value() == "0,5"  # shown back as typed
        context.close()
    assert yaml.safe_load(path.read_text()) == yaml.safe_load(PROFILE)


def test_papers_at_most_is_limited_alike_by_the_page_the_server_and_the_readme(web_workspace, browser):
    # The profile's check (models.Profile.max_papers: Int(1, 1000)) is the truth; the page's field and
    # the README say the same limit.
    path = web_workspace.profile("ada", PROFILE)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "more than 1000 papers" in " ".join(readme.split())
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(web_workspace.page_url())
        field = page.locator("#max_papers")
        assert field.get_attribute("max") == "1000"
        field.fill("1001")
        assert field.evaluate("e => e.validity.rangeOverflow")
        page.evaluate("document.querySelector('form').noValidate = true")  # what the server says of it
        with page.expect_navigation():
            page.click("#save")
        assert "must be a whole number from 1 to 1000, got 1001" in page.locator("#errors").inner_text()
        page.locator("#max_papers").fill("1000")
        with page.expect_navigation():
            page.click("#save")
        assert page.locator(".notice").inner_text() == "Saved."
        page.close()
    assert yaml.safe_load(path.read_text())["max_papers"] == 1000
