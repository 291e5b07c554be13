"""A day of a daily papers source's week that no source of its address ever asked for, older than
the last day asked: asked for at the source's next fetch. Two sources of one API (README, `day:`):
`yesterday` last fetched on the 10th (the 9th's list); `today` added beside it on the 17th, over a
week later, and fetched alone (`digest fetch --source today`): new beside an idle source, it begins
at its own day, the 17th (test_new_source_beside_an_idle_one). `yesterday` fetched on the 19th: its
week is the 11th to the 17th, and the 17th was asked (by `today`: a day's list is the address's).
The 11th to the 16th were never asked for by either; before, `yesterday`'s catch-up took them for
fetched (the day after them was) and their papers reached no one, nothing said of them. Real
`digest fetch` under libfaketime, a loopback API, on SQLite and PostgreSQL. And the 10th, before
`yesterday`'s week, never asked for by either, is said lost, as of a source idle for over a week
alone (README); before, `today`'s 17th in the week hid the stop and nothing was said of it."""

from __future__ import annotations

import subprocess

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def _sources(base: str, *names: str) -> str:
    url = f"{base}/api/daily_papers?date={{date}}"
    day = {"yesterday": "", "today": "    day: today\n"}
    listed = (f"  - kind: hf_daily\n    name: {n}\n{day[n]}    url: {url}\n    retries: 0\n" for n in names)
    return "sources:\n" + "".join(listed)


def _idle_beside_today(ws) -> tuple[str, subprocess.CompletedProcess[str], list[str]]:
    """`yesterday` fetched on the 10th, then idle; `today` added and fetched alone on the 17th;
    `yesterday` fetched on the 19th: `today`'s output, `yesterday`'s run and the days it asked for."""
    text = ws.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        ws.config_path.write_text(text + _sources(server.url(""), "yesterday"))
        digest_at(ws, "fetch", at=at(10, 6))  # the 9th's list; then `yesterday` idle
        ws.config_path.write_text(text + _sources(server.url(""), "today", "yesterday"))
        first = digest_at(ws, "fetch", "--source", "today", at=at(17, 6)).stdout
        del server.requests[:]
        fetched = digest_at(ws, "fetch", "--source", "yesterday", at=at(19, 6))
        asked = [r.path.split("date=")[1][:10] for r in server.requests if "p=0" in r.path]
    return first, fetched, asked


def test_a_day_of_the_week_no_source_of_its_address_asked_for_is_asked_for(workspace):
    first, fetched, asked = _idle_beside_today(workspace)
    assert first == "today: 2 papers of 2026-12-17: 2 new, 0 known\n", first  # its own day only
    # before: the 17th (asked by `today` that morning, before it was over: asked once more) and the 18th
    assert asked == [f"2026-12-{d}" for d in range(11, 19)], (asked, fetched.stdout)
    assert "yesterday: 2 papers of 2026-12-11: 2 new, 0 known" in fetched.stdout, fetched.stdout
    assert "yesterday: 2 papers of 2026-12-16: 2 new, 0 known" in fetched.stdout, fetched.stdout


def test_the_days_before_the_week_no_source_asked_for_are_said_lost(workspace):
    fetched = _idle_beside_today(workspace)[1]
    # before: nothing said of the 10th (`today`'s 17th in the week: the stop not seen)
    assert (
        "yesterday: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of "
        "2026-12-10 were never asked for and are not asked for now (a week back at most): its papers "
        "never came"
    ) in fetched.stderr, fetched.stderr


def test_a_source_does_not_ask_for_the_days_before_its_address_was_first_asked_for(workspace):
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        ws.config_path.write_text(text + _sources(server.url(""), "yesterday"))
        digest_at(ws, "fetch", at=at(13, 6))  # a new source: the 12th's list only
        fetched = digest_at(ws, "fetch", at=at(16, 6)).stdout  # the 13th and 14th missed, then the 15th
        asked = sorted({r.path.split("date=")[1][:10] for r in server.requests})
    assert asked == ["2026-12-12", "2026-12-13", "2026-12-14", "2026-12-15"], (asked, fetched)
