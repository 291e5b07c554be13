"""A live preview (/u/<token>/digest?live=1) open in a real browser (Debian's Chromium, Playwright)
follows an edit of config.yaml that changes the reader's digest (a default they inherit): `digest
serve` reads the config again at the next request (README), so the preview shown must follow."""

from __future__ import annotations

from test_browser_live_ratings import reloaded

from digest.signing import Signer

from conftest import NOW, make_dump


def test_a_live_preview_reloads_when_the_config_changes_the_readers_digest(web_workspace, browser):
    ws = web_workspace
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n")
    ws.dump("day.txt", make_dump("Mar 14", [(f"Robotics Study {n}", f"Robots, part {n}.") for n in range(3)]))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve():
        page = browser.new_page()
        page.goto(f"{ws.base_url}/u/{token}/digest?live=1")
        assert page.locator("h1").inner_text() == "3 papers for Ada"
        page.wait_for_timeout(2000)  # the page has polled its first version
        page.evaluate("window.__before = true")
        with ws.config_path.open("a") as f:
            f.write("max_papers: 1\n")  # a default ada inherits
        reloaded(page)
        assert page.locator("h1").inner_text() == "1 paper for Ada"
        page.close()
