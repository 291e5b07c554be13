"""The day of a daily papers answer is the day of the daily page its papers were put on
(``paper.submittedOnDailyAt``), not their arXiv day (``publishedAt``, the day before or
earlier, as the real API sends it). Monday's list, asked for on Tuesday (``day: yesterday``), is
Monday's, not Friday's; fetched again unchanged it is nothing new (not "not out yet"); and
Monday's list answered again for Tuesday (``day: today``, asked early) is still not out yet.
Real `digest fetch` and `status` under libfaketime, the API a loopback server answering
documents shaped like the real one's, without validators (no 304)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from helpers.daily_papers import as_the_api_sends
from helpers.faked import clock_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

FRI, MON, TUE = dt.date(2026, 12, 4), dt.date(2026, 12, 7), dt.date(2026, 12, 8)
TITLES = ["Sparse probes for graph learning", "Graph sketches", "A late graph survey"]
HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n"  # day: yesterday

pytestmark = needs_faketime


def digest(ws, *args: str, at: dt.datetime, code: int = 0) -> str:
    """`digest <args>` run with the machine's clock at ``at`` (UTC), ending with ``code``."""
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    env = clock_at(at, {**os.environ, "TZ": "UTC"})
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    return done.stdout


def serving(lists: dict[dt.date, bytes]):
    """The API: the list of the day asked for, else the latest it has (one page, no ETag)."""

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") != "0":
            return Route(b"[]")
        asked = dt.date.fromisoformat(query["date"])
        return Route(lists.get(asked) or lists[max(lists)])

    return LocalHttpServer({"/api/daily_papers": api})


def test_the_days_list_is_of_the_day_its_papers_were_put_on_the_page_and_fetched_again_nothing_new(
    workspace,
):
    monday = as_the_api_sends(MON, FRI, TITLES, 10001)  # Monday's page: papers of Friday's arXiv
    with serving({MON: monday}) as server:  # asked on Tuesday for yesterday's, Monday's
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        first = digest(workspace, "fetch", at=dt.datetime(2026, 12, 8, 5, 0))
        again = digest(workspace, "fetch", at=dt.datetime(2026, 12, 8, 5, 31))  # the same document
        status = digest(workspace, "status", at=dt.datetime(2026, 12, 8, 5, 32))
    assert first.strip() == "hf_daily: 3 papers of 2026-12-07: 3 new, 0 known", first
    assert again.strip() == "hf_daily: 3 papers of 2026-12-07: already ingested, nothing new", again
    assert "(listing of 2026-12-07)" in status and "not out yet" not in status, status


def test_the_day_befores_list_answered_again_is_still_not_out_yet(workspace):
    monday = as_the_api_sends(MON, FRI, TITLES, 10001)
    with serving({MON: monday}) as server:  # Tuesday's page not out yet: Monday's answered
        hf = HF.replace("{base}", server.url("")) + "    day: today\n"
        workspace.config_path.write_text(workspace.config_path.read_text() + hf)
        first = digest(workspace, "fetch", at=dt.datetime(2026, 12, 7, 9, 0))
        early = digest(workspace, "fetch", at=dt.datetime(2026, 12, 8, 5, 0))
    assert first.strip() == "hf_daily: 3 papers of 2026-12-07: 3 new, 0 known", first
    assert early.strip().splitlines() == [
        "hf_daily: 3 papers of 2026-12-07: already ingested, nothing new",  # asked once more, after it
        "hf_daily: the daily papers of 2026-12-08 are not out yet: the API answered those of "
        "2026-12-07 again (3 papers, already ingested)",
    ], early


def test_an_earlier_days_page_never_stored_answered_for_the_day_keeps_its_papers_and_the_day_is_asked_again(
    workspace,
):
    """A source added on Tuesday (no day of it asked for before: no catch-up), asked for Tuesday's
    list early, the API answers Monday's, its papers never stored: they are stored, and Tuesday's
    list is still not out. (Monday's list failed on Monday is asked for again at Monday's own
    address first: tests/daemon/test_missed_day.py.)"""
    monday = as_the_api_sends(MON, FRI, TITLES, 10001)

    def api(query: dict[str, str]) -> Route:
        return Route(b"[]" if query.get("p", "0") != "0" else monday)  # the latest it has

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        hf = HF.replace("{base}", server.url("")) + "    day: today\n    retries: 0\n"
        workspace.config_path.write_text(workspace.config_path.read_text() + hf)
        early = digest(workspace, "fetch", at=dt.datetime(2026, 12, 8, 5, 0))
        status = digest(workspace, "status", at=dt.datetime(2026, 12, 8, 5, 1))
    assert early.strip() == (
        "hf_daily: the daily papers of 2026-12-08 are not out yet: the API answered those of "
        "2026-12-07 (3 papers: 3 new, 0 known)"
    ), early
    assert "Papers stored: 3" in status, status
