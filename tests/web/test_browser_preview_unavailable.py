"""The preferences page's live preview when the server cannot make it just now: a newcomer's
preview (a profile with no digest yet) waits for the new profile files being saved in place,
two seconds at the most (digest.daemon.renamed.with_history), then refuses (a StoreError). The
page's script asks for JSON: it is answered in JSON, 503, which the page says under the preview,
naming nobody, and asks again when Retry-After says: in a few seconds, as such a save is over in
two (a trouble that may last, the database locked, keeps two minutes). Chromium (Playwright), on
its fake clock."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator

from helpers.writers import written_in_two_parts
from playwright.sync_api import Browser, Page

from digest.signing import Signer

from conftest import NOW

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"
BOB = "email: bob@example.org\ninterests: [robots]\n"
BUSY = "Your preview cannot be made just now: the digest's data is busy. It is tried again in a few seconds"


@contextlib.contextmanager
def ada_page_while_bob_is_saved(
    web_workspace, chromium: Browser, *, paused: bool = False
) -> Iterator[tuple[Page, subprocess.Popen]]:
    """Ada's preferences page in Chromium on Playwright's clock (``paused``: its timers fire only
    as the test runs them), served while bob.yaml is being written in place (a newcomer's preview
    waits for it, then is refused), and the writer, waited for on leaving."""
    ws = web_workspace.with_ada(PROFILE)
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve() as base:
        page = chromium.new_page()
        page.clock.install()
        page.goto(f"{base}/u/{token}")
        if paused:
            page.clock.pause_at(page.evaluate("Date.now()") + 1000)
        writer = written_in_two_parts(ws.root / "profiles" / "bob.yaml", BOB, "rg\n", pause=1)
        try:
            yield page, writer
        finally:
            writer.wait()
        page.close()


def test_a_preview_the_server_cannot_make_just_now_is_said_on_the_page(
    web_workspace,
    browser,
):
    # Before: the 503 page's HTML, which the script could not read as JSON: "Preview
    # unavailable: is the server running?", and nothing more until the reader changed something;
    # then the JSON with Retry-After 120: shown again two minutes on, for a save over in two seconds
    with ada_page_while_bob_is_saved(web_workspace, browser) as (page, writer):
        page.locator("input[name='weight']").first.fill("3")
        with page.expect_response(lambda r: r.url.endswith("/preview")) as refused:
            page.clock.run_for(300)
        answer = refused.value
        assert answer.status == 503 and answer.headers["content-type"] == "application/json"
        assert answer.headers.get("retry-after") == "5"
        errors = page.locator("#preview-errors")
        errors.wait_for(state="visible")
        assert errors.inner_text().startswith(BUSY), errors.inner_text()
        assert "bob" not in errors.inner_text()
        assert page.locator("#summary").inner_text() == ""
        writer.wait()
        with page.expect_response(lambda r: r.url.endswith("/preview")) as again:
            page.clock.run_for(5_000)  # asked again when Retry-After said: bob's file is whole
        assert again.value.status == 200
        page.locator("#preview-errors").wait_for(state="hidden")
        assert page.locator("#summary").inner_text() == "1 paper"


def test_an_edit_made_while_a_refused_preview_was_on_its_way_is_previewed_at_once(
    web_workspace,
    browser,
):
    # Before: the 503 that came back after the reader had changed a field again put off the
    # preview of that change (asked for 250 ms after it) to the retry two minutes on
    with ada_page_while_bob_is_saved(web_workspace, browser, paused=True) as (page, writer):
        weight = page.locator("input[name='weight']").first
        weight.fill("3")
        with page.expect_response(lambda r: r.url.endswith("/preview")) as refused:
            page.clock.run_for(300)  # the preview of 3 asked for: held while bob.yaml is half there
            weight.fill("4")  # changed again while that answer is on its way
        assert refused.value.status == 503
        page.locator("#preview-errors").wait_for(state="visible")
        writer.wait()
        with page.expect_request(lambda r: r.url.endswith("/preview"), timeout=5_000) as asked:
            page.clock.run_for(300)  # the edit's own wait, not Retry-After's seconds
        assert "4" in (asked.value.post_data or "")
        page.locator("#preview-errors").wait_for(state="hidden")
        assert page.locator("#summary").inner_text() == "1 paper"
