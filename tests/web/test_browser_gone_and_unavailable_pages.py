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

import contextlib
from collections.abc import Callable

from helpers.own_templates import own_prefs_page
from playwright.sync_api import Error, expect

from digest.signing import Signer

from conftest import NOW, WebWorkspace

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
GONE = "This address no longer receives digests"
WAIT_MS = 8000


def link(ws: WebWorkspace) -> str:
    ws.with_ada(PROFILE)
    return f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', NOW)}"


class Polls(list[str]):
    """The /version requests a page makes (seen once the page is asked anything: page.evaluate),
    and in ``answered`` those answered (the answer's head: what the page's fetch resolves on) or failed."""

    def __init__(self, page) -> None:  # noqa: ANN001
        super().__init__()
        self.answered: list[str] = []
        page.on("request", lambda r: self.append(r.url) if r.url.endswith("/version") else None)
        for answered in ("response", "requestfailed"):
            page.on(answered, lambda r: self.answered.append(r.url) if r.url.endswith("/version") else None)


def run_until(page, asked: Polls, done: Callable[[], bool]) -> None:  # noqa: ANN001
    """Runs ``page``'s clock on 5 s at a time until ``done`` (3 minutes at most), each time once
    the page has its polls' answers. It counts its next wait from the moment it reads one: on a busy
    machine a moment after the clock's run that made the poll, and a run before then (of a whole
    minute, or of the 5 s steps, all in that moment) would end before the wait it sets."""
    for _ in range(36):
        for _ in range(100):  # 10 s at most
            if len(asked.answered) >= len(asked):
                break
            page.wait_for_timeout(100)
        with contextlib.suppress(Error):  # the page being made again
            page.evaluate("0")  # the answers read (a task of the page's before this one)
            page.clock.run_for(5_000)
            page.evaluate("0")  # the requests made meanwhile seen
            if done():
                return


def test_a_removed_readers_page_comes_back_once_the_reader_is_put_back(web_workspace, browser):
    address = link(web_workspace)
    path = web_workspace.root / "profiles" / "ada.yaml"
    path.unlink()
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        asked = Polls(page)
        assert page.goto(address).status == 410
        expect(page.locator("h1")).to_have_text(GONE)
        expect(page.locator(".hint")).to_contain_text("this page shows it then, by itself")
        # a removed reader's page asks once a minute, not every 1.5 s (50 s: the clock also ran
        # on with the wall clock since the page's script started)
        page.clock.run_for(50_000)
        page.evaluate("0")
        assert asked == []
        run_until(page, asked, lambda: len(asked) > 0)
        expect(page.locator("h1")).to_have_text(GONE)  # still removed: the 410 page stays
        assert len(asked) == 1

        web_workspace.profile("ada", PROFILE)  # put back
        run_until(page, asked, lambda: len(asked) > 1)
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
        asked = Polls(page)
        response = page.goto(f"{address}/digest?live=1")
        assert response.status == 503 and "retry-after" not in response.headers  # lasts until fixed
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        expect(page.locator(".hint")).to_contain_text("it comes back by itself once that is fixed")
        page.clock.run_for(61_000)
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        page.evaluate("0")
        assert len(asked) == 1  # once a minute: the poll's 503 says no Retry-After either

        away.rename(data)
        run_until(page, asked, lambda: len(asked) > 1)
        # before: "This page is not available until the digest is repaired", for good
        expect(page.locator("h1").first).to_contain_text("Ada", timeout=WAIT_MS)
        page.close()


def test_a_page_its_templates_could_not_make_comes_back_once_they_are_back(web_workspace, browser, caplog):
    """The `templates:` folder renamed away (/version does not use it: it answers, so the page is
    made again once a minute, and says the same until the folder is back: a line in the log each
    time, as README says)."""
    mine = own_prefs_page(web_workspace.config_path)
    address = link(web_workspace)
    with web_workspace.serve():  # which reads the config while the folder is there
        mine.rename(web_workspace.root / "my-templates.old")
        page = browser.new_page()
        page.clock.install()
        asked = Polls(page)
        assert page.goto(address).status == 503
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        page.clock.run_for(61_000)  # made again: the same page
        expect(page.locator("h1")).to_have_text("This page is not available until the digest is repaired")
        run_until(page, asked, lambda: len(said(caplog)) > 1)
        assert [r.levelname for r in said(caplog)] == ["ERROR", "ERROR"]  # a line each time it is made
        (web_workspace.root / "my-templates.old").rename(mine)
        run_until(page, asked, lambda: page.locator("body[data-mine]").count() == 1)
        expect(page.locator("body[data-mine]")).to_have_count(1, timeout=WAIT_MS)  # before: the 503, for good
        page.close()


def said(caplog) -> list:  # noqa: ANN001
    """The log's lines saying the `templates:` folder is gone."""
    return [r for r in caplog.records if "my-templates is not a folder any more" in r.getMessage()]


def test_a_poll_answered_503_is_asked_again_when_it_says(web_workspace, browser):
    address = link(web_workspace)
    (web_workspace.root / "profiles" / "ada.yaml").unlink()
    with web_workspace.serve():
        page = browser.new_page()
        page.clock.install()
        asked = Polls(page)
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
        run_until(page, asked, lambda: len(asked) > 1)  # then asked: 120 s after the page read the 503
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
