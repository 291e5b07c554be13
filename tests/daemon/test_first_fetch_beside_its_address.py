"""A daily papers source fetched for the first time where another source of its address (one API
asked for yesterday's list and today's, `day:`) asked for days of the week before: a day's list is
the address's (`fetches` keeps one record an address), so its first fetch asks for the days after
the last one asked, as that source's next fetch would, not its own day alone as a source new to
the database does (a mirror, at another address). README said only the latter. Real `digest
fetch` under libfaketime, a loopback API."""

from __future__ import annotations

from helpers.days_asked import noting_days, source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

from conftest import ROOT

pytestmark = needs_faketime


def test_a_new_source_of_an_address_asked_before_asks_the_days_after_the_last_one_asked(workspace):
    asked: list[str] = []
    api = noting_days(asked)
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": api, "/mirror/api/daily_papers": api}) as server:
        url, mirror = (server.url(f"{path}/api/daily_papers") + "?date={date}" for path in ("", "/mirror"))
        ws.config_path.write_text(text + "sources:\n" + source("hf_daily", url))
        digest_at(ws, "fetch", at=at(10, 6, 0))  # the 9th; then nothing until the 13th
        added = source("hf_daily", url) + source("today", url, "today") + source("mirror", mirror)
        ws.config_path.write_text(text + "sources:\n" + added)
        asked.clear()
        fetched = digest_at(ws, "fetch", "--source", "today", at=at(13, 6, 0))
        assert asked == ["2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"], asked
        assert "today: 2 papers of 2026-12-10: 2 new, 0 known" in fetched.stdout, fetched.stdout
        asked.clear()
        digest_at(ws, "fetch", "--source", "mirror", at=at(13, 6, 0))  # another address: its own day
        assert asked == ["2026-12-12"], asked
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (
        "a source new to the database begins at its own day, unless another source of its address "
        "(one API asked for yesterday's list and today's, `day:`) asked for a day of that week"
    ) in readme
    assert "beside an `hf_daily` last fetched on the 10th: the 10th to the 12th, then the 13th" in readme
