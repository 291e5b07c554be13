"""The preferences page's live preview when the server cannot make it just now: a newcomer's
preview (a profile with no digest yet) waits for the new profile files being saved in place,
two seconds at the most (digest.daemon.renamed.with_history), then refuses (a StoreError). The
page's script asks for JSON: it is answered in JSON, 503, which the page says under the preview,
naming nobody, and asks again when Retry-After says. Chromium (Playwright), on its fake clock."""

from __future__ import annotations

import sys
from pathlib import Path

from test_browser import browser  # noqa: F401  (the Chromium fixture)

from digest.signing import Signer

from conftest import NOW

sys.path.insert(0, str(Path(__file__).parents[1] / "daemon"))
try:
    from test_new_file_first_scan import written_in_two_parts
finally:
    sys.path.remove(str(Path(__file__).parents[1] / "daemon"))

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"
BOB = "email: bob@example.org\ninterests: [robots]\n"
BUSY = "Your preview cannot be made just now: the digest's data is busy. It is tried again in two minutes"


def test_a_preview_the_server_cannot_make_just_now_is_said_on_the_page(
    web_workspace,
    browser,  # noqa: F811
):
    # Before: the 503 page's HTML, which the script could not read as JSON: "Preview
    # unavailable: is the server running?", and nothing more until the reader changed something
    ws = web_workspace.with_ada(PROFILE)
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve() as base:
        page = browser.new_page()
        page.clock.install()
        page.goto(f"{base}/u/{token}")
        writer = written_in_two_parts(ws.root / "profiles" / "bob.yaml", BOB, "rg\n", pause=1)
        try:
            page.locator("input[name='weight']").first.fill("3")
            with page.expect_response(lambda r: r.url.endswith("/preview")) as refused:
                page.clock.run_for(300)
            answer = refused.value
            assert answer.status == 503 and answer.headers["content-type"] == "application/json"
            assert answer.headers.get("retry-after") == "120"
            errors = page.locator("#preview-errors")
            errors.wait_for(state="visible")
            assert errors.inner_text().startswith(BUSY), errors.inner_text()
            assert "bob" not in errors.inner_text()
            assert page.locator("#summary").inner_text() == ""
        finally:
            writer.wait()
        with page.expect_response(lambda r: r.url.endswith("/preview")) as again:
            page.clock.run_for(120_000)  # asked again when Retry-After said: bob's file is whole
        assert again.value.status == 200
        page.locator("#preview-errors").wait_for(state="hidden")
        assert page.locator("#summary").inner_text() == "1 paper"
        page.close()
