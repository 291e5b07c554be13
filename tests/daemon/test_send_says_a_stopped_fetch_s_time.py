"""`digest send` (and a pass of `digest run --once`, in the same words: cli.send_fetched.
say_failed_before) making digests without a source whose fetch failed a moment ago says when that
fetch failed, and `digest status` its source's line: at the time the fetch ran. A fetch stopped
(Ctrl-C) while it caught up on missed days leaves the catch-ups that failed before the stop as the
source's latest records, each recorded a second apart before the fetch (ingest.fetch_all.
fetch_with_missed: so that their order is kept), its own day's not made: the next send said "its
fetch failed at 06:59:58 UTC" of a `digest send` run at 07:00:00, a time no fetch ran at, and
status "FETCH FAILED at 2026-12-13 06:59 UTC". Each record keeps the time of the fetch run that
wrote it (schema 38). A real `digest send` in process (its clock set), a real SIGINT while the API
is asked for the 11th, a loopback API answering 404 for the 9th and the 10th, then a real `digest
send` and `digest status` under libfaketime, aiosmtpd."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import signal
import time

from helpers.faked import at, digest_at, needs_faketime
from test_send_missed_day_lost import HF, page

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = needs_faketime


def test_a_fetch_stopped_in_its_catch_up_is_said_failed_at_the_time_it_ran(
    mail_workspace, smtp_server, monkeypatch
):
    def api(query: dict[str, str]) -> Route:
        day = dt.date.fromisoformat(query["date"])
        if day.day in (9, 10):
            return Route(b"no", status=404, content_type="text/plain")
        if day.day == 11:  # Ctrl-C while the 11th's answer is awaited
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(2)
        return Route(b"[]" if query.get("p", "0") != "0" else page(day.day))

    ws = mail_workspace
    daily = importlib.import_module("digest.cli.daily")
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        ws.config_path.write_text(ws.config_path.read_text() + HF.replace("{base}", server.url("")))
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "06:55"\n')
        for day in (9, 13):  # nothing ran from the 10th to the 12th
            when = dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(daily, "now_utc", lambda when=when: when)
            sent = ws.cli("send").output
        assert "stopped before its answer" in sent, sent  # the 11th's: the 9th and 10th failed before
        sent = digest_at(ws, "send", at=at(13, 7, 5))  # its retry 15 minutes after: not due yet
        status = digest_at(ws, "status", at=at(13, 7, 6)).stdout
    failed = [
        line for line in sent.stderr.splitlines() if "not fetched, so these digests go without it" in line
    ]
    # before: "its fetch failed at 06:59:58 UTC", the 10th's catch-up's record, two seconds before its fetch
    assert failed == [
        "hf_daily: not fetched, so these digests go without it: its fetch failed at 07:00:00 UTC (the "
        "daemon's pass tries it again at 07:14:58 UTC if its readers still wait for it then, else at its "
        "next fetch time; `digest fetch` now):"  # again: 15 min after the record (is_due)
    ], sent.stderr
    assert "ada" in sent.stdout, sent.stdout
    line = next(line for line in status.splitlines() if line.startswith("Source hf_daily:"))
    assert line.startswith("Source hf_daily: FETCH FAILED at 2026-12-13 07:00 UTC: "), status  # was 06:59
