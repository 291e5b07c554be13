"""A link opened (or a tab reloaded) while its reader is removed answers the 410 page "This address
no longer receives digests"; while the database (or the profiles folder) cannot be used, the 503
page "This page is not available ...". Both say something that may end: the reader put back (a
removal undone), the database repaired. So those pages, answered to a GET, ask the server as the
open pages do (GET /u/<token>/version, templates/web/broken.js) and are made again once it answers
otherwise: the removed reader's once a minute (as an open page asks after a 410), the database's
when its 503 said (Retry-After; a trouble that lasts until fixed: once a minute); a 503 to the
poll is asked again when it says. A POST's page (a save refused: what was sent is not shown
again by a reload, which would post it again) has no script. Chromium (Playwright) on the real
app, on Playwright's fake clock."""

from __future__ import annotations

from helpers.own_templates import own_prefs_page
from playwright.sync_api import expect

from digest.signing import Signer

from conftest import NOW, WebWorkspace

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
GONE = "This address no longer receives digests"
WAIT_MS = 8000


def link(ws: WebWorkspace) -> str:
    ws.with_ada(PROFILE)
    return f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', NOW)}"


def polls(page) -> list[str]:  # noqa: ANN001
    """The /version requests ``page`` makes (seen once the page is asked anything: page.evaluate)."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/version") else None)
    return asked


def test_a_removed_readers_page_comes_back_once_the_reader_is_put_back(web_workspace, browser):
    address = link(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    path.unlink()
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        asked = polls(page)
        assert page.goto(address).status == 410
        expect(page.locator("h1")).to_have_text(GONE)
        expect(page.locator(".hint")).to_contain_text("this page shows it then, by itself")
        page.clock.run_for(59_000)  # a removed reader's page asks once a minute, not every 1.5 s
        page.evaluate("0")
        assert asked == []
        page.clock.run_for(2_000)
        expect(page.locator("h1")).to_have_text(GONE)  # still removed: the 410 page stays
        page.evaluate("0")
        assert len(asked) == 1

        web_workspace.profile("ada", PROFILE)  # put back
        page.clock.run_for(60_000)
        # before: "This address no longer receives digests", for good
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=WAIT_MS)
        page.close()


def test_a_page_the_database_could_not_serve_comes_back_once_it_is_repaired(web_workspace, browser):
    ws = web_workspace
    text = ws.config_path.read_text()
    ws.config_path.write_text(text.replace("database: digest.db", "database: data/digest.db"))
    (ws.root / "data").mkdir()
    address = link(ws)
    data = ws.root / "data"
    away = data.rename(ws.root / "unmounted")  # a disk not mounted: unusable until it is back
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        asked = polls(page)
        response = page.goto(f"{address}/digest?live=1")
        assert response.status == 503 and "retry-after" not in response.headers  # lasts until fixed
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        expect(page.locator(".hint")).to_contain_text("it comes back by itself once that is fixed")
        page.clock.run_for(61_000)
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        page.evaluate("0")
        assert len(asked) == 1  # once a minute: the poll's 503 says no Retry-After either

        away.rename(data)
        page.clock.run_for(60_000)
        # before: "This page is not available until the digest is repaired", for good
        expect(page.locator("h1").first).to_contain_text("Ada", timeout=WAIT_MS)
        page.close()


def test_a_page_its_templates_could_not_make_comes_back_once_they_are_back(web_workspace, browser):
    """The `templates:` folder renamed away (/version does not use it: it answers, so the page is
    made again once a minute, and says the same until the folder is back)."""
    mine = own_prefs_page(web_workspace.config_path)
    address = link(web_workspace)
    with web_workspace.serve():  # which reads the config while the folder is there
        mine.rename(web_workspace.root / "my-templates.old")
        page = browser.new_page()
        page.clock.install()
        assert page.goto(address).status == 503
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        page.clock.run_for(61_000)  # made again: the same page
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        (web_workspace.root / "my-templates.old").rename(mine)
        page.clock.run_for(60_000)
        expect(page.locator("body[data-mine]")).to_have_count(1, timeout=WAIT_MS)  # before: the 503, for good
        page.close()


def test_a_poll_answered_503_is_asked_again_when_it_says(web_workspace, browser):
    address = link(web_workspace)
    (web_workspace.root / "profiles" / "ada.yaml").unlink()
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        asked = polls(page)
        busy = {"status": 503, "headers": {"Retry-After": "120"}, "body": "{}"}
        page.route("**/version", lambda route: route.fulfill(**busy))
        page.goto(address)
        page.clock.run_for(61_000)
        page.evaluate("0")
        assert len(asked) == 1
        web_workspace.profile("ada", PROFILE)
        page.unroute("**/version")
        page.clock.run_for(110_000)  # not asked again before the 120 s it said
        page.evaluate("0")
        assert len(asked) == 1
        expect(page.locator("h1")).to_have_text(GONE)
        # then asked: 120 s after the page read the 503, which on a busy machine may be a moment
        # after the clock's first run above (its next wait counted from then, on the page's clock)
        for _ in range(30):
            page.clock.run_for(5_000)
            page.evaluate("0")
            if len(asked) > 1:
                break
        expect(page.locator("h1")).to_have_text("Your digest, Ada", timeout=WAIT_MS)
        page.close()


def test_a_saves_410_page_has_no_script(web_workspace, browser):
    address = link(web_workspace)
    with web_workspace.serve():
        page = browser.new_page()
        page.goto(address)
        page.route("**/version", lambda route: route.abort())  # the form page says nothing first
        page.fill("#send_at", "08:15")
        (web_workspace.root / "profiles" / "ada.yaml").unlink()
        with page.expect_navigation():
            page.click("#save")
        expect(page.locator("h1")).to_have_text(GONE)
        expect(page.locator("script")).to_have_count(0)  # a reload would post the save again
        expect(page.locator(".hint")).not_to_contain_text("by itself")
        page.close()
