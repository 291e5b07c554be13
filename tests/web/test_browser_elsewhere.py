"""A reader whose profile is changed elsewhere while their preferences page is open (another tab's
save, the operator's `digest profile add`) is told so, and their Save still sends their edits."""

from __future__ import annotations

import yaml
from helpers.sent_digest import PROFILE


def test_save_after_a_change_elsewhere_sends_the_edits_at_the_first_click(web_workspace, browser):
    # The warning took three lines beside Save; the field left by the click on Save put "Unsaved
    # changes" in its place, the page shrank under the pointer (scrolled to its end) and the
    # click let go of no button: nothing was sent, the reader's edits not saved nor refused.
    path = web_workspace.profile("ada", PROFILE)
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        with page.expect_response(lambda r: r.url.endswith("/version")):  # the page knows the file's version
            page.goto(web_workspace.page_url())
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


def test_a_preview_unavailable_leaves_the_change_elsewhere_said(web_workspace, browser):
    # "Preview unavailable: is the server running?" took the place of the warning beside Save,
    # and for good: the page is told of the change once (the version it polls is then the new
    # one), and the next edit said "Unsaved changes". The save still got the 409, unwarned.
    web_workspace.profile("ada", PROFILE)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    with web_workspace.serve():
        with page.expect_response(lambda r: r.url.endswith("/version")):
            page.goto(web_workspace.page_url())
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


def conflict(web_workspace, browser, typed: dict[str, str], *elsewhere: tuple[str, ...]):
    """Ada's page with ``typed`` filled in, her file changed meanwhile by the commands
    ``elsewhere``; Save (the 409). The 409's page and its notice, and the file once saved again."""
    path = web_workspace.profile("ada", PROFILE)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    with web_workspace.serve():
        with page.expect_response(lambda r: r.url.endswith("/version")):
            page.goto(web_workspace.page_url())
        for field, value in typed.items():
            page.fill(field, value)
        for command in elsewhere:
            assert web_workspace.cli("profile", *command).exit_code == 0
        page.locator("#status").filter(has_text="changed elsewhere").wait_for()
        saves = lambda r: r.request.method == "POST" and not r.url.endswith("/preview")  # noqa: E731
        with page.expect_response(saves, timeout=10_000) as answer:
            page.click("#save")
        assert answer.value.status == 409
        shown = {"send_at": page.input_value("#send_at"), "max_papers": page.input_value("#max_papers")}
        shown["kw"] = [row.input_value() for row in page.locator("[name=kw]").all()]
        notice = page.text_content(".notice")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
    page.close()
    return shown, notice, yaml.safe_load(path.read_text())


def test_a_409_keeps_what_was_changed_elsewhere_not_on_the_page(web_workspace, browser):
    # The 409's form held every field as the reader's page had them: saved again, it wrote the
    # send time and the keywords back as they were, undoing the change made elsewhere, which
    # the reader had not touched (only "saving again replaces the other change" said so).
    elsewhere = (("set", "ada", "send_at", "09:30"), ("add", "ada", "robots"))
    shown, notice, data = conflict(web_workspace, browser, {"#max_papers": "7"}, *elsewhere)
    assert shown == {"send_at": "09:30", "max_papers": "7", "kw": [*data["interests"]]}
    assert data["send_at"] == "09:30" and data["max_papers"] == 7 and "robots" in data["interests"]
    # a field changed on both: what the reader typed is kept, and the other value said
    web_workspace.profile("ada", PROFILE)
    shown, notice, data = conflict(web_workspace, browser, {"#send_at": "08:15"}, elsewhere[0])
    assert shown["send_at"] == "08:15" and '"At" was changed elsewhere too: it is now 09:30' in notice
    assert data["send_at"] == "08:15"
