"""A daily papers source back after a long stop catches up on the week it missed; the catch-up
stops at a day the server fails (no answer, no connection, a 5xx: each day after it would cost
its tries' timeouts), but a day the server answered with a body that cannot be read (a
compressed body that does not decompress, bytes that are not UTF-8, a page that is not JSON) is
the day's own fault, as a 404 is: the server answers, so the catch-up goes on to the next day
(the choice made when the stop came in, round 57). Before, a body that did not decompress on the
last try was said as the server failing ("the server failing, the catch-up stops: the daily
papers of 2026-12-12 to 2026-12-17 are not asked for now"), though the server had answered.
Real `digest fetch` under libfaketime, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches recorded: either database

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: {retries}\n"

UNREADABLE = {
    "not decompressing": Route(b"not gzip at all", headers={"Content-Encoding": "gzip"}),
    "not UTF-8": Route(b'[{"paper": {"id": "2612.1", "title": "caf\xe9"}}]'),
    "not JSON": Route(b"<<<not json>>>", content_type="application/json"),
}


@pytest.mark.parametrize("retries", [0, 1])
@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_a_day_whose_answer_cannot_be_read_does_not_stop_the_catch_up(workspace, kind, retries):
    asked = []

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        return UNREADABLE[kind] if query["date"] == "2026-12-11" else Route(graph_page(query))

    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 12, day, 6, 0, tzinfo=dt.UTC)

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        config = HF.replace("{base}", server.url("")).replace("{retries}", str(retries))
        workspace.config_path.write_text(workspace.config_path.read_text() + config)
        digest_at(workspace, "fetch", at=at(10))  # the 9th; then nothing until the 19th
        asked.clear()
        shown = digest_at(workspace, "fetch", at=at(19), code=1)
    pages = sorted(set(asked))
    assert pages == [f"2026-12-{d}" for d in range(11, 19)], shown.stdout + shown.stderr  # none left
    assert "the catch-up stops" not in shown.stdout + shown.stderr, shown.stdout + shown.stderr
    assert "hf_daily: 2 papers of 2026-12-12: 2 new, 0 known" in shown.stdout, shown.stdout
