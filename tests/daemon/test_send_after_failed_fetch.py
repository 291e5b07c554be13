"""`digest send` right after a source failed (a `digest fetch` offline, a pass that met a 503) does
not fetch it again: it waits 15 minutes to be tried again (not due), so the digests made now go
without it. Before, the send said nothing of it ("ada ... 0 papers  nothing new", exit 0): a
user sending by hand could not tell a day without papers from a source that failed minutes ago.
Now each such source is said on stderr, as a send says a source it fetched that failed: when it
failed, when the daemon's pass tries it again, why (as the failed fetch said it). The exit code
stays 0: the command that met the failure said it and exited so (`digest fetch` 1, a pass 3),
as a send that meets a refusal of an earlier one exits 0. Real `digest fetch` and `digest send`
under libfaketime, a loopback API shaped like the real one, aiosmtpd."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from helpers.daily_papers import down_while
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = needs_faketime

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def test_a_send_says_the_source_that_failed_a_moment_ago_its_digests_go_without(
    mail_workspace, smtp_server, tmp_path: Path
):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
    down = tmp_path / "down"
    with LocalHttpServer({"/api/daily_papers": down_while(down)}) as server:
        ws.config_path.write_text(ws.config_path.read_text() + HF.replace("{base}", server.url("")))
        friday = digest_at(ws, "send", at=at(11, 7, 0))  # 12-10's list fetched first, and ada's digest
        down.touch()
        digest_at(ws, "fetch", at=at(12, 6, 50), code=1)  # Saturday: offline
        sent = digest_at(ws, "send", at=at(12, 7, 0))
    url = f"{server.url('')}/api/daily_papers?date=2026-12-11&limit=100&p=0"
    said = re.sub(r"(\d\d:\d\d):\d\d UTC", r"\1 UTC", sent.stderr)  # faketime's clock moves on
    assert said.splitlines() == [
        "hf_daily: not fetched, so these digests go without it: its fetch failed at 06:50 UTC (the "
        "daemon's pass tries it again at 07:05 UTC if its readers still wait for it then, else at its "
        "next fetch time; `digest fetch` now):",
        f"  failed: {url}: HTTP 503 Service Unavailable (after 1 attempt)",
    ], said
    assert "0 papers  nothing new" in sent.stdout, sent.stdout
    assert friday.stderr == "" and "hf_daily: fetched first: " in friday.stdout, friday.stderr


def test_a_send_that_makes_no_digest_says_nothing_of_a_source_fetched_at_its_when_times(
    mail_workspace, smtp_server, tmp_path: Path
):
    """A source fetched at its ``when`` times has its moment whoever is served: a send that makes
    no digest (ada's sent today already) has no digest to go without it, and says nothing of it."""
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
    down = tmp_path / "down"
    with LocalHttpServer({"/api/daily_papers": down_while(down)}) as server:
        source = HF.replace("{base}", server.url("")) + '    when: ["06:00"]\n'
        ws.config_path.write_text(ws.config_path.read_text() + source)
        sent = digest_at(ws, "send", at=at(11, 7, 0))  # fetched first, and ada's digest sent
        down.touch()
        digest_at(ws, "fetch", at=dt.datetime(2026, 12, 11, 7, 0, 30, tzinfo=dt.UTC), code=1)  # offline
        again = digest_at(ws, "send", at=at(11, 7, 1))  # ada's sent today: no digest made
    assert "hf_daily: fetched first: " in sent.stdout and " sent" in sent.stdout, sent.stdout
    assert "already" in again.stdout, again.stdout
    assert again.stderr == "", again.stderr
