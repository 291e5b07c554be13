"""A live preview (/u/<token>/digest?live=1) open in a real browser (Debian's Chromium, Playwright)
follows the reader's ratings made elsewhere: `digest feedback` from the command line (a real
`digest` process), or the "More like this" button of an email's link in another tab. A rating
changes the reader's ranking at once (README: rank, preview and the next digest reflect it), so
the page polling GET /u/<token>/version must see a new version and reload."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from test_browser_ratings import FIRST_DAY, NEIGHBOURS, OTHERS, liked_link, send_first_digest

from digest.store import Store

from conftest import SECRET

RELOAD_MS = 8000  # the page polls every 1.5 s


def titles(page) -> list[str]:
    return [t.strip() for t in page.locator("h2").all_inner_texts()]


def reloaded(page) -> None:
    """Wait until the page has reloaded itself (the mark set on the old document is gone)."""
    page.wait_for_function("() => window.__before === undefined", timeout=RELOAD_MS)
    page.wait_for_load_state()


def first_digest_and_its_feedback(ws, smtp_server, shared_dumps) -> tuple[str, Callable[[str], None]]:
    """ada's first digest sent: the "More like this" link of its first paper, and a rating of that
    paper (``"up"``, ``"clear"``) by `digest feedback` run as a real process."""
    more = liked_link(send_first_digest(ws, smtp_server, shared_dumps))
    with Store(ws.config.database) as store:
        (liked,) = [p.id for p in store.papers() if p.title == FIRST_DAY[0][0]]
    env = {**os.environ, "DIGEST_TEST_SECRET": SECRET}
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "feedback", "ada", str(liked)]

    def feedback(rating: str) -> None:
        done = subprocess.run([*command, rating], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    return more, feedback


def test_a_live_preview_reloads_on_a_rating_made_from_the_command_line_and_in_another_tab(
    web_workspace,
    smtp_server,
    shared_dumps,
    browser,
):
    more, feedback = first_digest_and_its_feedback(web_workspace, smtp_server, shared_dumps)
    reader_url = more.split("/more/")[0]
    with web_workspace.serve():
        live = browser.new_page(viewport={"width": 1280, "height": 900})
        live.goto(reader_url + "/digest?live=1")
        before = titles(live)
        assert set(before[:2]) == OTHERS and not NEIGHBOURS & set(before)
        live.wait_for_timeout(2000)  # the page has polled its first version
        live.evaluate("window.__before = true")

        feedback("up")
        reloaded(live)
        after = titles(live)
        assert set(after[:2]) == OTHERS and set(after[2:4]) == NEIGHBOURS, after

        live.evaluate("window.__before = true")  # cleared from the command line: back as before
        feedback("clear")
        reloaded(live)
        assert titles(live) == before

        live.evaluate("window.__before = true")  # the email's "More like this", in another tab
        other = browser.new_page()
        other.goto(more)
        other.get_by_role("button", name="More like this").click()
        other.locator(".notice").filter(has_text="more papers like this one").wait_for()
        reloaded(live)
        assert set(titles(live)[2:4]) == NEIGHBOURS
        other.close()
        live.close()


def test_the_preferences_page_lists_a_rating_made_elsewhere(
    web_workspace,
    smtp_server,
    shared_dumps,
    browser,
):
    # The page's preview followed the rating, its list of ratings still said "None yet."
    more, feedback = first_digest_and_its_feedback(web_workspace, smtp_server, shared_dumps)
    with web_workspace.serve():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(more.split("/more/")[0])
        ratings = page.locator("#ratings")
        assert "None yet." in ratings.inner_text()
        page.wait_for_timeout(2000)  # the page has polled its first version
        page.fill("#exclude", "soup")  # an edit not saved: kept as typed
        feedback("up")
        ratings.filter(has_text=FIRST_DAY[0][0]).wait_for(timeout=RELOAD_MS)
        assert "More like this" in ratings.inner_text() and page.input_value("#exclude") == "soup"
        feedback("clear")
        ratings.filter(has_text="None yet.").wait_for(timeout=RELOAD_MS)
        page.close()
