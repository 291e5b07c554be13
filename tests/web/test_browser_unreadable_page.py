"""A link opened while its reader's profile file cannot be read (a hand edit broke it, an editor
writing it in two steps) answers the 503 page "Your profile cannot be read right now". That page,
answered to a GET, follows the file as the other pages do: it asks GET /u/<token>/version every
1.5 s (a 503 to that: again when the server says, Retry-After) and is made again once the file
reads, so a reader who opened their link then, or a tab whose reload met the file broken a moment
after a poll found it changed, is not left on a page that never comes back. The 503 page of a
POST (what was typed, shown back, with "Save this again") is not reloaded over the reader's
typing: it has no script. Chromium (Playwright) on the real server (`digest serve`'s app)."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import WebWorkspace

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE + "exclude: [medical\n"
WAIT_MS = 8000  # a few polls (every 1.5 s)
DEAD = "Your profile cannot be read right now"


def link(ws: WebWorkspace, profile: str = BROKEN) -> str:
    ws.with_ada(profile)
    return ws.page_url()


def test_the_preferences_page_opened_while_broken_comes_back_once_fixed(web_workspace, browser):
    address = link(web_workspace)
    with web_workspace.serve():
        page = browser.new_page()
        assert page.goto(address).status == 503
        expect(page.locator("h1")).to_have_text(DEAD)
        expect(page.locator(".hint").first).to_contain_text("this page shows it then, by itself")
        with page.expect_response(lambda r: r.url.endswith("/version")):  # it asks, and waits
            pass
        expect(page.locator("h1")).to_have_text(DEAD)

        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE)
        # before: the 503 page stayed, for good
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=WAIT_MS)
        page.close()


def test_the_live_preview_opened_while_broken_comes_back_once_fixed(web_workspace, browser):
    address = link(web_workspace)
    with web_workspace.serve():
        page = browser.new_page()
        assert page.goto(f"{address}/digest?live=1").status == 503
        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE)
        expect(page.locator("h1").first).to_contain_text("Ada", timeout=WAIT_MS)
        expect(page.locator("h1").first).not_to_have_text(DEAD)
        # the digest made again is the live one: it follows the file in turn
        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE.replace("Ada", "Ada L."))
        expect(page.locator("h1").first).to_contain_text("Ada L.", timeout=WAIT_MS)
        page.close()


def test_a_page_reloaded_onto_the_broken_file_comes_back_once_fixed(web_workspace, browser):
    address = link(web_workspace, PROFILE)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(address)
        expect(page.locator("#preview")).to_be_visible()
        # an editor writing in two steps: a poll finds the file valid and changed, the reload
        # that follows finds it broken (the poll's answer given so here, the file broken under it)
        path.write_text(BROKEN)
        changed = '{"profile": "1:changed", "content": "c", "ratings": "r"}'
        page.route("**/version", lambda route: route.fulfill(status=200, body=changed))
        expect(page.locator("h1")).to_have_text(DEAD, timeout=WAIT_MS)
        page.unroute("**/version")
        path.write_text(PROFILE + "send_at: '09:00'\n")
        expect(page.locator("#send_at")).to_have_value("09:00", timeout=WAIT_MS)  # before: 503, for good
        page.close()


def test_a_server_that_cannot_answer_the_poll_is_asked_again_when_it_says(web_workspace, browser):
    address = link(web_workspace)
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/version") else None)
        busy = {"status": 503, "headers": {"Retry-After": "30"}, "body": "{}"}
        page.route("**/version", lambda route: route.fulfill(**busy))
        page.goto(address)
        page.clock.run_for(1600)
        expect(page.locator("h1")).to_have_text(DEAD)
        page.evaluate("0")  # the requests made so far are seen
        assert len(asked) == 1
        (web_workspace.root / "profiles" / "ada.yaml").write_text(PROFILE)
        page.unroute("**/version")
        page.clock.run_for(28000)  # not asked again before the 30 s it said
        page.evaluate("0")
        assert len(asked) == 1
        expect(page.locator("h1")).to_have_text(DEAD)
        page.clock.run_for(2000)
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=WAIT_MS)
        page.close()


def test_a_saves_503_page_is_not_reloaded_over_what_was_typed(web_workspace, browser):
    address = link(web_workspace, PROFILE)
    path = web_workspace.root / "profiles" / "ada.yaml"
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(address)
        page.route("**/version", lambda route: route.abort())  # the form page says nothing first
        page.fill("#send_at", "08:15")
        path.write_text(BROKEN)
        with page.expect_navigation():
            page.click("#save")
        expect(page.locator("h1")).to_have_text(DEAD)
        expect(page.locator("#typed")).to_contain_text("08:15")
        expect(page.locator("script")).to_have_count(0)  # nothing follows the file under it
        expect(page.locator(".hint").first).not_to_contain_text("by itself")
        page.unroute("**/version")
        path.write_text(PROFILE)
        with page.expect_navigation():  # what was typed, saved once the file is fixed
            page.click("#save-again")
        assert "08:15" in path.read_text()
        page.close()
