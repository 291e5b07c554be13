"""A page whose reader's profile file was removed (its polls answered 410: "no longer receives
digests") and is put back broken for a moment (a copy in progress, a hand edit) does not reload
onto the 503 page "Your profile cannot be read right now": that page has no script and its reader
would find it dead once the file is fixed. It says the file cannot be read, as a poll that finds
a file broken under an open page says it (test_browser_unreadable_poll.py), and follows the file
again once it reads: the preferences page without edits and the live preview. Chromium
(Playwright) on its fake clock (the polls of a removed reader wait a minute); the real app on a
thread."""

from __future__ import annotations

from playwright.sync_api import expect

from digest.web.unreadable import SAID

from conftest import WebWorkspace

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE + "exclude: [medical\n"
WAIT_MS = 8000


def link(ws: WebWorkspace) -> str:
    ws.with_ada(PROFILE)
    return ws.page_url()


def removed_then_back_broken(ws: WebWorkspace, page, gone_words: str) -> None:  # noqa: ANN001
    """The file removed (a poll says so), then put back broken; a minute and more of polls."""
    path = ws.root / "profiles" / "ada.yaml"
    path.unlink()
    page.clock.run_for(2000)
    expect(page.locator("#reader-gone")).to_contain_text(gone_words, timeout=WAIT_MS)
    path.write_text(BROKEN)
    for _ in range(65):
        page.clock.run_for(1000)


def test_an_unedited_page_back_broken_says_it_and_comes_back_once_fixed(web_workspace, browser):
    address = link(web_workspace)
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        page.goto(address)
        status = page.locator("#status")
        expect(page.locator("#preview")).to_be_visible()

        removed_then_back_broken(web_workspace, page, "no longer receives digests")
        # before: reloaded onto the 503 page, which follows nothing
        expect(status).to_have_text(SAID, timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text("Your digest, Ada")
        expect(page.locator("#reader-gone")).to_have_count(0)
        expect(page.locator("#preview")).to_be_hidden()

        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE)  # fixed, as it was
        page.clock.run_for(2000)
        expect(status).to_have_text("", timeout=WAIT_MS)
        expect(page.locator("#preview")).to_be_visible()
        expect(page.locator("h1")).to_have_text("Your digest, Ada")
        page.close()


def test_the_live_preview_back_broken_says_it_and_follows_the_file_once_fixed(web_workspace, browser):
    address = link(web_workspace)
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        page.goto(f"{address}/digest?live=1")
        title = page.locator("h1").first.inner_text()
        note = page.locator("#profile-unreadable")

        removed_then_back_broken(web_workspace, page, "no longer receives digests")
        # before: reloaded onto the 503 page, for good
        expect(note).to_have_text(SAID, timeout=WAIT_MS)
        expect(page.locator("#reader-gone")).to_have_count(0)
        expect(page.locator("h1").first).to_have_text(title)

        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE.replace("Ada", "Ada L."))
        page.clock.run_for(2000)  # fixed, and changed: made again
        expect(page.locator("h1").first).to_contain_text("Ada L.", timeout=WAIT_MS)
        expect(note).to_have_count(0)
        page.close()
