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

from helpers.faked import at, digest_at, needs_faketime
from helpers.hf_days import sends_stopped_in_catch_up

pytestmark = needs_faketime


def test_a_fetch_stopped_in_its_catch_up_is_said_failed_at_the_time_it_ran(
    mail_workspace, smtp_server, monkeypatch
):
    ws = mail_workspace
    with sends_stopped_in_catch_up(ws, monkeypatch, send_at="06:55") as said:
        sent = said[1]
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
