"""The `templates:` folder removed while `digest serve` goes on (which read the config when it was
there, and reads it again only when the file changes): a reader's page and its live preview are
not made with the built-in templates in its place, in silence, nor said as a server away; the
operator is told in the log, the reader plainly. Chromium (Playwright), the real app on a thread."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from helpers.own_templates import own_prefs_page
from playwright.sync_api import expect

from digest.signing import Signer

from conftest import NOW, make_dump

ADA = "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n"
WAIT_MS = 8000
REPAIR = "Your preview is not available until the digest is repaired"


def test_a_templates_folder_gone_while_serve_runs_is_said_not_replaced(web_workspace, browser, caplog):
    """my-templates (its own preferences page and email) renamed while ada's page is open: an edit's
    preview said "Preview unavailable: is the server running?" (the 503 page's HTML, which the
    script cannot read), and her page opened again was the built-in one, with not a word."""
    ws = web_workspace
    mine = own_prefs_page(ws.config_path)
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Study", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", NOW)
    csrf = Signer.from_config(ws.config).form_token(token)  # the page's unsubscribe button sends it
    caplog.set_level(logging.ERROR, logger="digest.web.app")
    with ws.serve():
        page = browser.new_page()
        page.goto(f"{ws.base_url}/u/{token}")
        expect(page.locator("body[data-mine]")).to_have_count(1)

        mine.rename(ws.root / "my-templates.old")
        page.fill("[name=kw] >> nth=0", "robots")
        expect(page.locator("#preview-errors")).to_contain_text(REPAIR, timeout=WAIT_MS)
        assert "server running" not in page.locator("#summary").inner_text()
        gone = f"templates: {mine} is not a folder any more: put it back"
        assert any(gone in r.getMessage() for r in caplog.records), caplog.text

        again = browser.new_page()
        answer = again.goto(f"{ws.base_url}/u/{token}")
        assert answer is not None and answer.status == 503
        expect(again.locator("body")).to_contain_text("not available until the digest is repaired")
        assert again.locator("#summary").count() == 0  # not the built-in preferences page

        caplog.clear()  # a POST's work done is still said (the built-in page), and logged
        request = urllib.request.Request(
            f"{ws.base_url}/u/{token}/unsubscribe",
            data=f"csrf={csrf}".encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as done:
            assert done.status == 200
        assert "paused: true" in (ws.root / "profiles" / "ada.yaml").read_text()
        assert any("answered with the built-in page" in r.getMessage() for r in caplog.records), caplog.text

        (ws.root / "my-templates.old").rename(mine)
        answer = again.goto(f"{ws.base_url}/u/{token}")
        assert answer is not None and answer.status == 200
        expect(again.locator("body[data-mine]")).to_have_count(1)
        page.close()
        again.close()
