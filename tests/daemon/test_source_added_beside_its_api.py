"""A daily papers source added beside another of the same API (one url, `day: today` beside `day:
yesterday`) is new: `digest status` says it never fetched and the next pass fetches it. Before
f4a13242 it was said with the other's last fetch ("Source today: fetched at 2026-12-12 06:00 UTC: 2
papers of 2026-12-11", a list it never asks for) and no pass fetched it until its next fetch time
("nothing to do: no source due"): fetch_records.sources_fetches gave a source without a record of
its name (renamed) the latest record of its url under any name. Real `digest fetch`, `status` and
`run --once` under libfaketime, a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.days_asked import noting_days, source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def test_a_source_added_beside_another_of_its_api_is_said_never_fetched_and_is_fetched(
    mail_workspace, smtp_server
):
    asked: list[str] = []
    api = noting_days(asked)
    ws, text = mail_workspace, mail_workspace.config_path.read_text()
    ws.profile("ada", 'email: ada@example.org\ninterests: [graph]\nsend_at: "07:00"\n')
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        ws.config_path.write_text(text + "sources:\n" + source("hf_daily", url))
        digest_at(ws, "fetch", at=at(12, 6, 0))  # the 11th's
        added = source("hf_daily", url) + source("today", url, "today")
        ws.config_path.write_text(text + "sources:\n" + added)
        status = digest_at(ws, "status", at=at(12, 6, 10)).stdout
        asked.clear()
        ran = digest_at(ws, "run", "--once", at=at(12, 6, 20))
    # before: "Source today: fetched at 2026-12-12 06:00 UTC: 2 papers of 2026-12-11: 2 new, 0 known"
    assert "Source today: never fetched" in status, status
    assert "Source hf_daily: fetched at 2026-12-12 06:00 UTC: 2 papers of 2026-12-11" in status, status
    # before: "nothing to do: no source due, ..."
    assert asked == ["2026-12-12"], asked
    assert "fetched today: 2 papers of 2026-12-12: 2 new, 0 known" in ran.stdout, ran.stdout + ran.stderr
