"""The daily papers API answering, for the day asked, the day before's list again (the day's
list not out yet) is not the day's list: the daemon asks again, as for an empty one, and the
reader gets the day's papers once they are out."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from helpers.daily_papers import daily_papers
from helpers.ticks import tick

from digest.daemon.status import collect_status, format_status
from digest.demo.http_server import LocalHttpServer, Route

HF = "  - kind: hf_daily\n    day: yesterday\n    url: {base}/api/daily_papers?date={date}\n"
PAPER = {"authors": ["A. Writer"], "githubRepo": None, "projectPage": None}
MON, TUE = dt.date(2026, 12, 7), dt.date(2026, 12, 8)


def listed(day: dt.date, first_id: int, topic: str, page_day: bool = True) -> bytes:
    """The list of ``day``'s page as the API sends it (``page_day=False``: as older answers and
    other mirrors send it, dated by the items' ``publishedAt``)."""
    paper = {**PAPER, "title": f"Sparse {topic} for graph learning", "summary": f"We study {topic}."}
    return daily_papers(day, [paper], first_id, page_day=page_day)


@pytest.mark.parametrize("page_day", [True, False], ids=["as-the-api-sends-it", "older-answers"])
def test_yesterdays_list_answered_again_for_today_is_asked_again_until_the_day_is_out(
    mail_workspace, smtp_server, page_day
):
    ws = mail_workspace
    answers = {MON.isoformat(): listed(MON, 10001, "probes", page_day)}  # Tuesday's list is not out yet

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") != "0":
            return Route(b"[]")
        asked = query["date"]  # the API answers the latest list it has, whatever day is asked
        return Route(answers.get(asked) or answers[MON.isoformat()], etag=f'"{asked}-{len(answers)}"')

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        ws.config_path.write_text(
            ws.config_path.read_text() + "sources:\n" + HF.replace("{base}", server.url(""))
        )
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph learning"]\nsend_at: "07:00"\n')

        tick(ws, dt.datetime(2026, 12, 8, 5, 0, tzinfo=dt.UTC))  # Monday's list, for Tuesday's 07:00
        tick(ws, dt.datetime(2026, 12, 8, 7, 0, tzinfo=dt.UTC))
        assert len(smtp_server.messages) == 1
        asked = len(server.requests)
        # Wednesday 06:00: Tuesday's list asked for, Monday's answered again
        tick(ws, dt.datetime(2026, 12, 9, 6, 0, tzinfo=dt.UTC))
        said = format_status(collect_status(ws.config, dt.datetime(2026, 12, 9, 6, 1, tzinfo=dt.UTC)))
        source_line = next(line for line in said.splitlines() if line.startswith("Source hf_daily"))
        assert "2026-12-08" in source_line and "not out yet" in source_line, source_line
        answers[TUE.isoformat()] = listed(TUE, 10002, "sketches", page_day)  # Tuesday's list comes out
        tick(ws, dt.datetime(2026, 12, 9, 6, 30, tzinfo=dt.UTC))
        assert len(server.requests) > asked + 2, "the day's list was not asked for again: " + "; ".join(
            r.path for r in server.requests[asked:]
        )
        tick(ws, dt.datetime(2026, 12, 9, 7, 0, tzinfo=dt.UTC))
    assert len(smtp_server.messages) == 2
    second = smtp_server.messages[1].message.as_string()
    assert "Sparse sketches" in second and "Sparse probes" not in second


def test_a_day_still_not_out_is_said_so_on_a_304_and_not_as_empty(mail_workspace, monkeypatch):
    """`digest fetch` asked twice on Tuesday morning, Monday's list answered both times (the second
    a 304): neither says the answer was empty or had no papers; both say the day is not out yet."""
    ws = mail_workspace
    monday = listed(MON, 10001, "probes")

    def api(query: dict[str, str]) -> Route:
        return Route(b"[]" if query.get("p", "0") != "0" else monday, etag='"monday"')

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        hf = HF.replace("yesterday", "today").replace("{base}", server.url(""))
        ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + hf)
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph learning"]\nsend_at: "06:30"\n')
        for at in (dt.datetime(2026, 12, 7, 9, 0), dt.datetime(2026, 12, 8, 6, 0)):  # Monday, Tuesday
            clock = importlib.import_module("digest.cli.fetch")  # the module, not its command
            monkeypatch.setattr(clock, "now_utc", lambda at=at: at.replace(tzinfo=dt.UTC))
            first = ws.cli("fetch").output
        assert "hf_daily: the daily papers of 2026-12-08 are not out yet: the API answered" in first, first
        again = ws.cli("fetch").output  # a conditional request: 304
        assert server.requests[-2].headers.get("If-None-Match") == '"monday"'
    assert again.strip() == (
        "hf_daily: the daily papers of 2026-12-08 are still not out yet: not modified since the last fetch"
    ), again
    said = format_status(collect_status(ws.config, dt.datetime(2026, 12, 8, 6, 35, tzinfo=dt.UTC)))
    assert "are still not out yet: not modified" in said and "no papers" not in said, said
    # ada, due at 06:30 and waiting for the day's list, is not told it is a weekend or holiday
    ada = next(line for line in said.splitlines() if line.startswith("ada "))
    assert ada.endswith(
        "the day's list not out yet (hf_daily: see its Source line above): nothing new yet"
    ), ada
