"""A page saying its reader's profile file cannot be read (a poll found it broken:
test_browser_unreadable_poll.py) whose link then ends (the file removed: a 410; web.secret_file
rotated: a 403) says that one thing, as any page whose link ends does
(test_browser_expired_preview.py): not also "Your profile cannot be read right now: its file has
a mistake that the person who runs your digest needs to fix", which is no longer so (the file is
gone) or no longer followed (the page polls no more). The preferences page's status line says
again what it said before (its edits unsaved), its preview frame shown as for any page whose link
ended; the live preview's note about the file is put away; a preview answer saying the file cannot
be read that arrives after the link ended is not said. Chromium on the real app."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect
from test_browser_first_poll import secret_in_a_file

from digest.web.unreadable import SAID

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE + "exclude: [medical\n"
WAIT_MS = 8000  # a few polls (every 1.5 s)


def broken_under(page, path: Path, said_in: str) -> None:  # noqa: ANN001
    """The file broken under the open page: ``said_in`` (its status line, or the live preview's
    note) says it cannot be read."""
    path.write_text(BROKEN)
    expect(page.locator(said_in)).to_have_text(SAID, timeout=WAIT_MS)


def test_a_page_with_edits_says_only_that_its_reader_is_gone_once_the_file_goes(web_workspace, browser):
    ws = web_workspace.with_ada(PROFILE)
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        page = browser.new_page()
        page.goto(ws.page_url())
        page.fill("#send_at", "08:15")
        status = page.locator("#status")
        broken_under(page, path, "#status")

        path.unlink()
        gone = page.locator("#reader-gone")
        expect(gone).to_contain_text("no longer receives digests", timeout=WAIT_MS)
        expect(status).to_have_text("Unsaved changes")  # before: still the file's mistake to fix
        assert page.get_by_role("alert").all_inner_texts() == [gone.inner_text()]
        expect(page.locator("#preview")).to_be_visible()
        page.close()


def test_a_page_says_only_that_its_link_is_no_longer_valid_once_the_secret_rotates(web_workspace, browser):
    ws = web_workspace.with_ada(PROFILE)
    path = ws.root / "profiles" / "ada.yaml"
    secret, token = secret_in_a_file(ws)
    with ws.serve():
        page = browser.new_page()
        page.goto(f"{ws.base_url}/u/{token}")
        status = page.locator("#status")
        broken_under(page, path, "#status")

        secret.write_text("rotated-secret-0123456789abcdef01234\n")
        expired = page.locator("#link-expired")
        expect(expired).to_contain_text("This link is no longer valid", timeout=WAIT_MS)
        expect(status).to_have_text("")  # before: the file's mistake to fix, for good (no more polls)
        page.close()


def test_the_live_preview_says_only_that_its_reader_is_gone_once_the_file_goes(web_workspace, browser):
    ws = web_workspace.with_ada(PROFILE)
    with ws.serve():
        page = browser.new_page()
        page.goto(f"{ws.page_url()}/digest?live=1")
        broken_under(page, ws.root / "profiles" / "ada.yaml", "#profile-unreadable")

        (ws.root / "profiles" / "ada.yaml").unlink()
        gone = page.locator("#reader-gone")
        expect(gone).to_contain_text("no longer receives digests", timeout=WAIT_MS)
        expect(page.locator("#profile-unreadable")).to_have_count(0)  # before: both said
        assert page.get_by_role("alert").all_inner_texts() == [gone.inner_text()]
        page.close()


def test_a_late_preview_once_the_reader_is_gone_says_nothing_of_the_file(web_workspace, browser):
    """The preview asked while the file was broken, its answer arriving after a poll found the
    reader gone (held back here with Playwright's page.route, then given as the server gave it)."""
    ws = web_workspace.with_ada(PROFILE)
    with ws.serve():
        page = browser.new_page()
        page.goto(ws.page_url())
        page.fill("#send_at", "08:15")
        expect(page.locator("#summary")).to_have_text("1 paper", timeout=WAIT_MS)
        held = []
        page.route("**/preview", lambda route: held.append(route))
        with page.expect_request("**/preview"):  # asked 250 ms after the edit, its answer held
            page.fill("#send_at", "08:30")

        (ws.root / "profiles" / "ada.yaml").unlink()
        gone = page.locator("#reader-gone")
        expect(gone).to_contain_text("no longer receives digests", timeout=WAIT_MS)
        answer = json.dumps({"ok": False, "errors": SAID, "unreadable": SAID})
        held[0].fulfill(status=503, content_type="application/json", body=answer)
        page.wait_for_timeout(500)  # the answer read by the page (nothing it does then marks it)
        expect(page.locator("#status")).to_have_text("Unsaved changes")  # before: the file's mistake
        assert page.get_by_role("alert").all_inner_texts() == [gone.inner_text()]
        page.close()
