"""A page left open while its reader's profile file cannot be read for a moment (an operator's
hand edit, a copy in progress) is not reloaded onto the 503 page: that page has no script, and
its reader would find it dead after the file was fixed. The poll (GET /u/<token>/version) says the
file cannot be read; the preferences page says so in its status line, in the 503 page's words,
keeps its form and its edits, previews nothing, and once the file reads again previews again (the
file as it was) or is made again (the file changed, no edits); the live preview says so at its
top and takes up following the file. Chromium on the real server (`digest serve`'s app)."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from digest.web.unreadable import SAID

from conftest import WebWorkspace

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE + "exclude: [medical\n"
WAIT_MS = 8000  # a few polls (every 1.5 s)


def setup(ws: WebWorkspace) -> str:
    ws.with_ada(PROFILE)
    return ws.page_url()


def test_the_poll_says_the_profile_cannot_be_read(web_workspace):
    link = setup(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        with urllib.request.urlopen(f"{link}/version", timeout=10) as answer:
            assert "unreadable" not in json.load(answer)
        path.write_text(BROKEN)
        with urllib.request.urlopen(f"{link}/version", timeout=10) as answer:
            assert answer.status == 200 and json.load(answer)["unreadable"] == SAID


def test_an_unedited_page_says_it_and_comes_back_when_the_file_is_fixed(web_workspace, browser):
    link = setup(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(link)
        page.evaluate("window.notReloaded = true")
        status, frame = page.locator("#status"), page.locator("#preview")
        expect(frame).to_be_visible()

        path.write_text(BROKEN)  # before: the page reloaded onto "Your profile cannot be read right now"
        expect(status).to_have_text(SAID, timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text("Your digest, Ada")  # the form, not the 503 page
        expect(frame).to_be_hidden()  # nothing previewed of a profile that cannot be read
        expect(page.locator("#summary")).to_have_text("")

        path.write_text(PROFILE)  # fixed, as it was: previewed again, the page as it is
        expect(status).to_have_text("", timeout=WAIT_MS)
        expect(frame).to_be_visible()
        assert page.evaluate("window.notReloaded") is True

        path.write_text(BROKEN)
        expect(status).to_have_text(SAID, timeout=WAIT_MS)
        path.write_text(PROFILE + "send_at: '09:00'\n")  # fixed, and changed: the page made again
        expect(page.locator("#send_at")).to_have_value("09:00", timeout=WAIT_MS)
        expect(status).to_have_text("")
        page.close()


def test_a_page_with_edits_keeps_them_and_saves_them_once_the_file_is_fixed(web_workspace, browser):
    link = setup(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(link)
        page.fill("#send_at", "08:15")
        status = page.locator("#status")
        expect(status).to_have_text("Unsaved changes")

        path.write_text(BROKEN)  # before: "Your profile was changed elsewhere: reload to see it"
        expect(status).to_have_text(SAID, timeout=WAIT_MS)
        expect(page.locator("#preview")).to_be_hidden()

        path.write_text(PROFILE)  # fixed, as it was
        expect(status).to_have_text("Unsaved changes", timeout=WAIT_MS)
        expect(page.locator("#summary")).to_have_text("1 paper", timeout=WAIT_MS)  # the edits previewed
        assert page.locator("#send_at").input_value() == "08:15"
        with page.expect_navigation():
            page.click("#save")
        assert page.locator(".notice").inner_text() == "Saved."
        assert "08:15" in path.read_text()
        page.close()


def test_a_preview_asked_before_a_poll_says_the_file_is_broken_in_the_status_line(web_workspace, browser):
    link = setup(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(link)
        page.fill("#send_at", "08:15")
        expect(page.locator("#summary")).to_have_text("1 paper")
        page.route("**/version", lambda route: route.abort())  # no poll answered meanwhile
        path.write_text(BROKEN)
        with page.expect_response(lambda r: r.url.endswith("/preview")) as answer:
            page.fill("#send_at", "08:30")
        assert answer.value.status == 503
        # before: said in the preview's error box, the preview of the file as it was left under it
        expect(page.locator("#status")).to_have_text(SAID)
        expect(page.locator("#preview-errors")).to_be_hidden()
        expect(page.locator("#preview")).to_be_hidden()

        path.write_text(PROFILE)
        page.unroute("**/version")  # the next poll: read again, the edits previewed again
        expect(page.locator("#status")).to_have_text("Unsaved changes", timeout=WAIT_MS)
        expect(page.locator("#summary")).to_have_text("1 paper", timeout=WAIT_MS)
        expect(page.locator("#preview")).to_be_visible()
        page.close()


def test_the_live_preview_says_it_and_follows_the_file_again(web_workspace, browser):
    link = setup(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(f"{link}/digest?live=1")
        title = page.locator("h1").first.inner_text()
        note = page.locator("#profile-unreadable")

        path.write_text(BROKEN)  # before: reloaded onto the 503 page, for good
        expect(note).to_have_text(SAID, timeout=WAIT_MS)
        expect(page.locator("h1").first).to_have_text(title)  # the digest still shown under it

        path.write_text(PROFILE)  # fixed, as it was: the note put away
        expect(note).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator("h1").first).to_have_text(title)

        path.write_text(BROKEN)
        expect(note).to_have_text(SAID, timeout=WAIT_MS)
        path.write_text(PROFILE.replace("Ada", "Ada L."))  # fixed, and changed: made again
        expect(page.locator("h1").first).to_contain_text("Ada L.", timeout=WAIT_MS)
        expect(note).to_have_count(0)
        page.close()
