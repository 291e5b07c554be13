"""A change made between a live page's making and its first poll of GET /u/<token>/version is
followed too (Debian's Chromium, Playwright): the page carries the versions it was made at, and
its first poll compares with them. The change is made inside that first poll's request (held by
a Playwright route until it is made), so it comes after the page was made and before the answer."""

from __future__ import annotations

from test_browser import browser  # noqa: F401  (browser: the Chromium fixture)

from digest.signing import Signer

from conftest import NOW, make_dump

ADA = "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n"
WAIT_MS = 8000  # the pages poll every 1.5 s


def change_in_first_poll(page, change) -> list[str]:
    """Run ``change`` inside the page's first /version request, before the server answers it;
    the list of requests it was run in (one)."""
    seen: list[str] = []

    def first(route) -> None:
        if not seen:
            seen.append(route.request.url)
            change()
        route.continue_()

    page.route("**/version", first)
    return seen


def test_a_live_preview_follows_a_change_made_before_its_first_poll(web_workspace, browser):  # noqa: F811
    ws = web_workspace
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [(f"Robotics Study {n}", f"Robots, part {n}.") for n in range(3)]))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", NOW)

    def max_one() -> None:
        with ws.config_path.open("a") as f:
            f.write("max_papers: 1\n")  # a default ada inherits

    with ws.serve():
        page = browser.new_page()
        seen = change_in_first_poll(page, max_one)
        page.goto(f"{ws.base_url}/u/{token}/digest?live=1")
        page.get_by_role("heading", name="1 paper for Ada").wait_for(timeout=WAIT_MS)  # was: 3 papers
        assert len(seen) == 1
        page.close()


def test_the_preferences_page_follows_a_change_made_before_its_first_poll(web_workspace, browser):  # noqa: F811
    ws = web_workspace
    ws.profile("ada", ADA)
    token = Signer.from_config(ws.config).token("ada", NOW)

    def edited_elsewhere() -> None:
        ws.profile("ada", ADA.replace("[robotics]", "[robotics, neuromorphic]"))

    with ws.serve():
        page = browser.new_page()
        seen = change_in_first_poll(page, edited_elsewhere)
        page.goto(f"{ws.base_url}/u/{token}")
        page.locator('input[name="kw"][value="neuromorphic"]').wait_for(timeout=WAIT_MS)  # reloaded
        assert len(seen) == 1
        page.close()
