"""A reader whose profile is changed elsewhere while their preferences page is open (another tab's
save, the operator's `digest profile add`) is told so, and their Save still sends their edits."""

from __future__ import annotations

from test_browser import PROFILE, browser  # noqa: F401  (the Chromium fixture)

from digest.signing import Signer

from conftest import NOW


def test_save_after_a_change_elsewhere_sends_the_edits_at_the_first_click(web_workspace, browser):  # noqa: F811
    # The warning took three lines beside Save; the field left by the click on Save put "Unsaved
    # changes" in its place, the page shrank under the pointer (scrolled to its end) and the
    # click let go of no button: nothing was sent, the reader's edits not saved nor refused.
    path = web_workspace.profile("ada", PROFILE)
    with web_workspace.serve() as base:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        with page.expect_response(lambda r: r.url.endswith("/version")):  # the page knows the file's version
            page.goto(f"{base}/u/{Signer.from_config(web_workspace.config).token('ada', NOW)}")
        page.fill("#max_papers", "7")  # the cursor stays in the field
        assert web_workspace.cli("profile", "add", "ada", "robots").exit_code == 0
        page.locator("#status").filter(has_text="changed elsewhere").wait_for()
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        saves = lambda r: r.request.method == "POST" and not r.url.endswith("/preview")  # noqa: E731
        with page.expect_response(saves, timeout=10_000) as answer:
            page.click("#save")
        assert answer.value.status == 409  # the other change is not overwritten unseen
        assert page.input_value("#max_papers") == "7"  # the form shows the edits back, to save again
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
        assert "max_papers: 7" in path.read_text()
        page.close()


def test_a_preview_unavailable_leaves_the_change_elsewhere_said(web_workspace, browser):  # noqa: F811
    # "Preview unavailable: is the server running?" took the place of the warning beside Save,
    # and for good: the page is told of the change once (the version it polls is then the new
    # one), and the next edit said "Unsaved changes". The save still got the 409, unwarned.
    web_workspace.profile("ada", PROFILE)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    with web_workspace.serve() as base:
        with page.expect_response(lambda r: r.url.endswith("/version")):
            page.goto(f"{base}/u/{Signer.from_config(web_workspace.config).token('ada', NOW)}")
        page.fill("#max_papers", "7")
        assert web_workspace.cli("profile", "add", "ada", "robots").exit_code == 0
        page.locator("#status").filter(has_text="changed elsewhere").wait_for()
    page.fill("#max_papers", "8")  # the server stopped (restarted by its operator): no preview
    page.get_by_text("Preview unavailable: is the server running?").wait_for()  # by the preview's title
    assert "changed elsewhere" in page.text_content("#status")
    assert page.text_content("#summary") == "Preview unavailable: is the server running?"
    with web_workspace.serve():  # back: the preview comes again, the warning stays till saved
        page.fill("#max_papers", "9")
        page.locator("#summary").filter(has_text="paper").wait_for()
        assert "changed elsewhere" in page.text_content("#status")
        saves = lambda r: r.request.method == "POST" and not r.url.endswith("/preview")  # noqa: E731
        with page.expect_response(saves, timeout=10_000) as answer:
            page.click("#save")
        assert answer.value.status == 409
    page.close()
