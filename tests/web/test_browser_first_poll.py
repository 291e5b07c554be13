"""A change made between a live page's making and its first poll of GET /u/<token>/version is
followed too (Debian's Chromium, Playwright): the page carries the versions it was made at, and
its first poll compares with them. The change is made inside that first poll's request (held by
a Playwright route until it is made), so it comes after the page was made and before the
answer. And a page whose link the server no longer takes (the secret rotated) says so."""

from __future__ import annotations

from pathlib import Path

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


def secret_in_a_file(ws) -> tuple[Path, str]:
    """The workspace's secret in web.secret_file (to rotate: write another), and ada's token."""
    secret = ws.root / "web-secret"
    secret.write_text("first-secret-0123456789abcdef0123\n")
    text = ws.config_path.read_text()
    ws.config_path.write_text(text.replace("secret_env: DIGEST_TEST_SECRET", "secret_file: web-secret"))
    return secret, Signer.from_config(ws.config).token("ada", NOW)


def test_a_live_preview_follows_a_change_made_before_its_first_poll(web_workspace, browser):
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


def test_the_preferences_page_follows_a_change_made_before_its_first_poll(web_workspace, browser):
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


def test_an_open_page_says_its_link_is_no_longer_valid_once_the_secret_is_rotated(web_workspace, browser):
    """web.secret_file rotated (a link leaked): the open pages' link answers 403. They polled on,
    once a minute, and said nothing; they say it now, once, and poll no more."""
    ws = web_workspace
    ws.profile("ada", ADA)
    secret, token = secret_in_a_file(ws)
    with ws.serve():
        polls: list[str] = []
        pages = [browser.new_page(), browser.new_page()]
        for page in pages:
            page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/version") else None)
        pages[0].goto(f"{ws.base_url}/u/{token}/digest?live=1")
        pages[1].goto(f"{ws.base_url}/u/{token}")
        pages[1].wait_for_timeout(2000)  # both have polled
        secret.write_text("rotated-secret-0123456789abcdef01234\n")
        for page in pages:
            note = page.locator("#link-expired")
            note.wait_for(timeout=WAIT_MS)
            assert note.inner_text().startswith("This link is no longer valid")
            assert "Open the link in your newest digest email." in note.inner_text()
        asked = len(polls)
        pages[1].wait_for_timeout(3500)  # two polls' time: none
        assert len(polls) == asked
        for page in pages:
            page.close()


def test_an_open_page_says_its_reader_was_removed_and_reloads_if_the_file_comes_back(web_workspace, browser):
    """ada.yaml removed: the open pages' link answers 410 ("This address no longer receives
    digests"). They polled on, once a minute, and said nothing; they say it now, and the page is
    made again if a poll is answered once more (the file put back before any pass found it gone)."""
    ws = web_workspace
    ws.profile("ada", ADA)
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve():
        pages = [browser.new_page(), browser.new_page()]
        for page in pages:
            page.clock.install()
        pages[0].goto(f"{ws.base_url}/u/{token}/digest?live=1")
        pages[1].goto(f"{ws.base_url}/u/{token}")
        (ws.root / "profiles" / "ada.yaml").unlink()
        for page in pages:
            page.clock.run_for(2000)  # a poll: the 410
            note = page.locator("#reader-gone")
            note.wait_for(timeout=WAIT_MS)
            assert note.inner_text().startswith("This address no longer receives digests")
        ws.profile("ada", ADA)
        for page in pages:
            page.clock.run_for(61_000)  # the next poll, a minute on: answered, the page made again
            page.wait_for_load_state()
            page.locator("#reader-gone").wait_for(state="detached", timeout=WAIT_MS)
            page.close()
