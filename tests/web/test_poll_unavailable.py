"""An open preferences page asks the server for outside changes every 1.5 s. While the server
cannot answer (a 503: the database unusable until its operator fixes it, or locked), it asks
again in a minute, or when Retry-After says: not 40 times a minute, each a line in the server's
log (with the trouble and the fix) and a try at the database. Chromium, on its own fake clock
(Playwright's): no real waiting."""

from __future__ import annotations

import sqlite3

import pytest

from digest.signing import Signer

from conftest import NOW, make_dump

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"


@pytest.mark.parametrize("page_path", ["", "/digest?live=1"], ids=["preferences", "live-preview"])
def test_a_page_left_open_on_a_server_that_cannot_answer_asks_again_in_a_minute(
    web_workspace,
    browser,
    page_path,
):
    ws = web_workspace
    ws.profile("ada", PROFILE)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", NOW)
    asked: list[int] = []  # when the page asked (in ``ticks``)
    with ws.serve() as base:
        page = browser.new_page()
        page.clock.install()
        ticks: list[int] = []  # the fake clock's seconds run since the 503
        page.on("request", lambda r: asked.append(len(ticks)) if r.url.endswith("/version") else None)
        with page.expect_response(lambda r: r.url.endswith("/version")) as first:
            page.goto(f"{base}/u/{token}{page_path}")
        assert first.value.status == 200
        db = sqlite3.connect(ws.root / "digest.db")  # the database now needs its operator:
        db.execute("PRAGMA user_version = 999")  # a schema newer than this digest's
        db.close()
        with page.expect_response(lambda r: r.url.endswith("/version")) as refused:
            page.clock.run_for(1600)
        assert refused.value.status == 503 and refused.value.headers.get("retry-after") is None
        after = len(asked)
        while len(asked) == after and len(ticks) < 120:  # a second at a time, up to two minutes
            ticks.append(1)
            page.clock.run_for(1000)
            page.evaluate("0")  # the page's turn: what it was doing is done
        assert len(asked) == after + 1  # it asked again ...
        assert asked[-1] >= 59  # ... a minute later, not every 1.5 s
        page.close()
