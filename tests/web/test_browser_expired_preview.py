"""A preferences page whose link the server no longer takes (web.secret_file rotated while it is
open: a 403; its reader's profile file removed: a 410) says that one thing (Debian's Chromium,
Playwright): the live preview's messages of an edit (a keyword too long) are not left under it,
nor the fields they marked, and an edit made after it is not said to find the server away."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect
from test_browser_first_poll import secret_in_a_file

ADA = "name: Ada\nemail: ada@example.org\ninterests: [robotics, neuromorphic]\n"
WAIT_MS = 8000  # the page polls every 1.5 s
LONG = "neuromorphic " + "x" * 300  # refused: "a keyword of 313 characters (...); at most 100"


def said_alone(browser, base: str, token: str, note: str, words: str, end: Callable[[], None]) -> None:
    """ada's page with a keyword too long, its message shown; then ``end()`` (the link no longer
    taken): the note #``note`` says ``words``, the preview's message is put away and the keyword
    unmarked, and the note is the page's one alert, before and after an edit."""
    page = browser.new_page()
    page.goto(f"{base}/u/{token}")
    page.fill("[name=kw] >> nth=1", LONG)
    errors, keyword = page.locator("#preview-errors"), page.locator("[name=kw] >> nth=1")
    expect(errors).to_contain_text("a keyword of 313 characters", timeout=WAIT_MS)
    expect(keyword).to_have_attribute("aria-invalid", "true")

    end()
    shown = page.locator(f"#{note}")
    expect(shown).to_contain_text(words, timeout=WAIT_MS)
    expect(errors).to_be_hidden()  # was: the keyword's message, under the note, as if fixing it would do
    expect(keyword).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_count(0)  # nor what it said under the keyword
    assert page.get_by_role("alert").all_inner_texts() == [shown.inner_text()]

    page.fill("[name=kw] >> nth=1", "neuromorphic")  # an edit after it: nothing else said
    page.wait_for_timeout(1000)
    expect(errors).to_be_hidden()
    assert "server running" not in page.locator("#summary").inner_text()
    assert page.get_by_role("alert").all_inner_texts() == [shown.inner_text()]
    page.close()


def test_the_preview_s_messages_give_way_to_the_note_that_the_link_is_no_longer_valid(web_workspace, browser):
    ws = web_workspace
    ws.profile("ada", ADA)
    secret, token = secret_in_a_file(ws)
    with ws.serve():
        rotate = lambda: secret.write_text("rotated-secret-0123456789abcdef01234\n")  # noqa: E731
        said_alone(browser, ws.base_url, token, "link-expired", "This link is no longer valid", rotate)


def test_an_edit_refused_for_its_link_before_a_poll_said_it_says_the_note(web_workspace, browser):
    """The secret rotated, and the reader edits before the page's next poll: the preview's request
    is refused (403) first. Was: "Preview unavailable: is the server running?" beside the title of
    the preview, until the poll said the link was no longer valid."""
    ws = web_workspace
    ws.profile("ada", ADA)
    secret, token = secret_in_a_file(ws)
    with ws.serve():
        page = browser.new_page()
        page.route("**/version", lambda route: route.abort())  # no poll says it
        page.goto(f"{ws.base_url}/u/{token}")
        secret.write_text("rotated-secret-0123456789abcdef01234\n")
        with page.expect_response(lambda r: r.url.endswith("/preview")) as refused:
            page.fill("[name=kw] >> nth=1", "spiking")
        assert refused.value.status == 403
        expect(page.locator("#link-expired")).to_contain_text("This link is no longer valid", timeout=WAIT_MS)
        assert "server running" not in page.locator("#summary").inner_text()
        page.close()


def test_the_preview_s_messages_give_way_to_the_note_that_the_reader_was_removed(web_workspace, browser):
    """ada.yaml removed while her page is open with an edit's message: the 410's note is the one
    thing said, as the 403's is, and an edit after it says nothing of the server."""
    ws = web_workspace
    ws.profile("ada", ADA)
    token = secret_in_a_file(ws)[1]
    with ws.serve():
        remove = (ws.root / "profiles" / "ada.yaml").unlink
        said_alone(browser, ws.base_url, token, "reader-gone", "no longer receives digests", remove)

        ws.profile("ada", ADA)  # back; then removed again while a page open on it polls not yet
        page = browser.new_page()
        page.route("**/version", lambda route: route.abort())
        page.goto(f"{ws.base_url}/u/{token}")
        (ws.root / "profiles" / "ada.yaml").unlink()
        with page.expect_response(lambda r: r.url.endswith("/preview")) as refused:
            page.fill("[name=kw] >> nth=1", "spiking")
        assert refused.value.status == 410
        expect(page.locator("#reader-gone")).to_contain_text("no longer receives digests", timeout=WAIT_MS)
        assert "server running" not in page.locator("#summary").inner_text()  # was: said so
        page.close()
