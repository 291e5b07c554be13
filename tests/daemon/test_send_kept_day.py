"""`digest send` whose fetch asked once more for a `day: today` day after it was over, and failed
then, while the day's earlier answer (asked while its page was filling) had brought papers: the
day keeps them and no fetch asks for it again (digest.ingest.missed_days.KEPT). `send` must not
advise "`digest fetch` now" for it, as it does for a day the next fetch asks for: that fetch asks
for its own day only. Real `digest fetch` and `digest send` under a chosen clock, a loopback API
shaped like the real one, aiosmtpd."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    day: today\n"
HF += "    retries: 0\n"


def test_a_kept_day_that_failed_again_is_not_said_to_be_fetched_by_digest_fetch(mail_workspace, monkeypatch):
    asked: list[str] = []

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        if query["date"] == "2026-12-10" and len(asked) > 1:  # answered on its day, 503 after it
            return Route(b"busy", status=503, content_type="text/plain")
        return Route(graph_page(query))

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        ws = mail_workspace
        ws.config_path.write_text(ws.config_path.read_text() + HF.replace("{base}", server.url("")))
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
        for day, hour, module in ((10, 10, "fetch"), (11, 7, "daily"), (11, 8, "fetch")):
            at = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda at=at: at)
            said.append(ws.cli("send" if module == "daily" else "fetch").output)
    kept = "the papers of its earlier answer kept (its list may have grown since): not asked for again"
    assert "hf_daily: not fetched, so these digests go without it:\n  failed: http" in said[1], said[1]
    assert kept in said[1] and "`digest fetch` now" not in said[1], said[1]  # before: "(`digest fetch` now)"
    assert asked == ["2026-12-10", "2026-12-10", "2026-12-11", "2026-12-11"], (
        asked
    )  # the 10th not asked at 08:00
