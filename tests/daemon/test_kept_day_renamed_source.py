"""A failed catch-up of a daily papers day whose papers the source's own earlier answer brought,
given under the name the source had then (renamed in the config since: its addresses the same),
says those papers kept as its earlier answer's (missed_days.KEPT), not as another source's:
before, "its papers stored all the same, by hf_daily's fetch", hf_daily being its own old name.
Real `digest fetch` under libfaketime, a loopback API shaped like the real one, failing the day
asked once more with a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches and listings: either database

HF = (
    "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n"
    "    retries: 0\n    day: today\n"
)


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, 6, 0, tzinfo=dt.UTC)


def test_a_day_its_own_earlier_answer_brought_under_its_old_name_is_said_kept_as_its_answer(workspace):
    asked = []

    def api(query: dict[str, str]) -> Route:
        asked.append(query["date"])
        if query["date"] == "2026-12-10" and len(asked) > 2:  # asked once more: fails
            return Route(b"no", status=404, content_type="text/plain")
        return Route(graph_page(query))

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(text + HF.replace("{base}", server.url("")))
        digest_at(workspace, "fetch", at=at(10))  # the 10th, in its morning: its first papers
        renamed = workspace.config_path.read_text().replace("retries: 0\n", "retries: 0\n    name: hf\n")
        workspace.config_path.write_text(renamed)
        out = digest_at(workspace, "fetch", at=at(11), code=1).stdout  # the 10th once more, then the 11th
    line = next(line for line in out.splitlines() if line.startswith("hf: failed: "))
    assert "?date=2026-12-10&limit=100&p=0: HTTP 404 Not Found" in line, out
    assert line.endswith(
        "; the papers of its earlier answer kept (its list may have grown since): not asked for again"
    ), out
