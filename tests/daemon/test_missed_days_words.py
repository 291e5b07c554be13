"""The days a daily papers source asks for before its own are of two kinds: days never asked for
(the daemon was not running) and days asked for whose every fetch failed (a catch-up that met a
503). The record that lists them says words true of both: before, it said "the daily papers of
2026-12-06 were never fetched: fetched now" of a day whose fetch had been tried and had failed (a
user reading the log then looks for a daemon that was down, not an API that failed). Real
`digest run --once -v` under libfaketime, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = needs_faketime

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)


def test_a_day_whose_fetch_failed_is_not_said_never_fetched(workspace, tmp_path: Path):
    down = tmp_path / "down"  # the API answers 503 while it exists

    def api(query: dict[str, str]) -> Route:
        return (
            Route(b"busy", status=503, content_type="text/plain")
            if down.exists()
            else Route(graph_page(query))
        )

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(5))  # 2026-12-04's list
        down.touch()
        digest_at(workspace, "fetch", at=at(7), code=1)  # 2026-12-05 never asked for: asked, fails; 12-06 too
        down.unlink()
        done = digest_at(workspace, "-v", "fetch", at=at(8))  # 12-05 (failed before) and 12-06 (failed)
    said = [
        line.split(" INFO ", 1)[1] for line in done.stderr.splitlines() if "digest.ingest.missed_days" in line
    ]
    assert said == [
        "digest.ingest.missed_days: hf_daily: the daily papers of 2026-12-05, 2026-12-06 never came"
        " (never asked for, or their fetch failed): asking for them first"
    ], done.stderr
