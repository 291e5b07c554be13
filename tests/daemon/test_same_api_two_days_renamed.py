"""Two daily papers sources of the same API (one url), one asking for yesterday's list and one for
today's (README, `day:`): the one renamed in the config keeps its own last fetch, not the other's.
A renamed source's last fetch is the latest record of its url under another name (the same source,
README), but the other source's records have that url too: before, the renamed one was said with
the other's latest fetch ("Source papers: FETCH FAILED at ..." of a list it never asked for). Real
`digest fetch`, `status` and `send` under libfaketime, a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.daily_papers import down_while
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def _sources(base: str, yesterdays: str) -> str:
    url = f"{base}/api/daily_papers?date={{date}}"
    return (
        f"sources:\n  - kind: hf_daily\n    name: {yesterdays}\n    url: {url}\n    retries: 0\n"
        f"  - kind: hf_daily\n    name: today\n    day: today\n    url: {url}\n    retries: 0\n"
    )


def test_a_renamed_source_is_not_said_with_the_fetch_of_another_source_of_its_api(
    mail_workspace, smtp_server, tmp_path
):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [graph]\nsend_at: "07:00"\n')
    text, down = ws.config_path.read_text(), tmp_path / "down"
    with LocalHttpServer({"/api/daily_papers": down_while(down)}) as server:
        ws.config_path.write_text(text + _sources(server.url(""), "yesterday"))
        digest_at(ws, "fetch", at=at(12, 6, 0))  # yesterday: the 11th's; today: the 12th's
        down.touch()
        digest_at(ws, "fetch", "--source", "today", at=at(12, 6, 50), code=1)  # 503: tried again at 07:05
        ws.config_path.write_text(text + _sources(server.url(""), "papers"))  # yesterday renamed
        status = digest_at(ws, "status", at=at(12, 6, 55)).stdout
        sent = digest_at(ws, "send", at=at(12, 7, 0))
    # before: "Source papers: FETCH FAILED at 2026-12-12 06:50 UTC: ...?date=2026-12-12...: HTTP 503", today's
    assert "Source papers: fetched at 2026-12-12 06:00 UTC: 2 papers of 2026-12-11: 2 new" in status, status
    assert "Source today: FETCH FAILED at 2026-12-12 06:50 UTC" in status, status
    assert "papers: not fetched" not in sent.stderr, sent.stderr
    assert "today: not fetched, so these digests go without it" in sent.stderr, sent.stderr
