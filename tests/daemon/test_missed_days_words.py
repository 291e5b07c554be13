"""The days a daily papers source asks for before its own are of two kinds: days never asked for
(the daemon was not running) and days asked for whose every fetch failed (a catch-up that met a
503). The record that lists them says words true of both: before, it said "the daily papers of
2026-12-06 were never fetched: fetched now" of a day whose fetch had been tried and had failed (a
user reading the log then looks for a daemon that was down, not an API that failed). Real
`digest run --once -v` under libfaketime, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.daily_papers import down_while
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = needs_faketime

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)


def test_a_day_whose_fetch_failed_is_not_said_never_fetched(workspace, tmp_path: Path):
    down = tmp_path / "down"  # the API answers 503 while it exists

    with LocalHttpServer({"/api/daily_papers": down_while(down)}) as server:
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
        "digest.ingest.missed_days: hf_daily: the daily papers of 2026-12-05, 2026-12-06 may not all have"
        " come (never asked for, asked before their day was over, or their fetch failed): asking for them"
        " first"
    ], done.stderr


def test_run_once_says_the_days_caught_up_on_in_its_own_lines_only(
    mail_workspace, smtp_server, tmp_path: Path
):
    """`run --once` says each event of its pass once, in a line of its own: each day caught up on
    is a "fetched hf_daily: ..." line (failed: on stderr; a day left for the next fetch, the server
    failing, said in it), so the record listing them (the pass's bookkeeping, as `digest fetch` logs
    it: with -v) is not also on stderr as a timed log line. With -v it stays."""
    workspace = mail_workspace
    workspace.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
    down = tmp_path / "down"

    with LocalHttpServer({"/api/daily_papers": down_while(down)}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "run", "--once", at=at(5))
        down.touch()  # 12-05 asked for and failed, and the 6th; then 12-05 fails again, 12-06 is left
        digest_at(workspace, "run", "--once", at=at(7), code=3)
        quiet = digest_at(workspace, "run", "--once", at=at(8), code=3)
        logged = digest_at(workspace, "-v", "run", "--once", at=at(9), code=3)
    assert [line for line in quiet.stderr.splitlines() if " INFO " in line] == [], quiet.stderr
    assert "fetched hf_daily: failed: " in quiet.stderr and "date=2026-12-05" in quiet.stderr, quiet.stderr
    assert "may not all have come (never asked for, asked before" in logged.stderr, logged.stderr
    # the 5th fails again (a 503: the server's): the 6th is left, said in the failed day's own line
    stopped = (
        "HTTP 503 Service Unavailable (after 1 attempt); the server failing, the catch-up stops: the daily "
        "papers of 2026-12-06"
    )
    assert stopped in quiet.stderr and stopped in logged.stderr, logged.stderr
