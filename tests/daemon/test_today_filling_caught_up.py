"""A `day: today` daily papers source is fetched in the morning, while the day's list is still
filling: the papers put on the day's page after that fetch were never asked for, so they reached
no reader (the daemon's or cron's later passes that day find the source fetched; the next day's
fetch asks for its own day only). The day's list is asked for once more at the next fetch, after
the day is over (UTC, the API's days), as a day whose page was not out yet is: the papers listed
since reach the readers in their next digest. Real `digest run --once` under libfaketime, a
loopback API shaped like the real one whose page of the 10th grows during the day, a real SMTP
server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.daily_papers import as_the_api_sends
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = needs_faketime

HF = "sources:\n  - kind: hf_daily\n    day: today\n    url: {base}/api/daily_papers?date={date}\n"


def test_the_papers_listed_after_a_morning_fetch_of_today_reach_the_reader_the_next_day(
    mail_workspace, smtp_server, tmp_path: Path
):
    filled = tmp_path / "filled"  # the 10th's page has its three papers once it exists, one before

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") != "0":
            return Route(b"[]")
        day = dt.date.fromisoformat(query["date"])
        titles = [f"Spiking topic {day.day} {n}" for n in ("one", "two", "three")]
        titles = titles[:1] if day.day == 10 and not filled.exists() else titles
        return Route(as_the_api_sends(day, day - dt.timedelta(days=1), titles, 10000 + 10 * day.day))

    workspace = mail_workspace
    workspace.profile("ada", 'email: ada@example.org\ninterests: ["spiking"]\nsend_at: "07:00"\n')
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "run", "--once", at=dt.datetime(2026, 12, 9, 7, 0, tzinfo=dt.UTC))
        morning = digest_at(workspace, "run", "--once", at=dt.datetime(2026, 12, 10, 7, 0, tzinfo=dt.UTC))
        assert "fetched hf_daily: 1 paper of 2026-12-10: 1 new, 0 known" in morning.stdout, morning.stdout
        filled.touch()  # two more papers put on the 10th's page
        noon = digest_at(workspace, "run", "--once", at=dt.datetime(2026, 12, 10, 12, 0, tzinfo=dt.UTC))
        assert "fetched" not in noon.stdout, noon.stdout  # fetched this morning: not due
        smtp_server.messages.clear()
        nextday = digest_at(workspace, "run", "--once", at=dt.datetime(2026, 12, 11, 7, 0, tzinfo=dt.UTC))
    # before: only "fetched hf_daily: 3 papers of 2026-12-11: 3 new, 0 known"; the 10th's two never came
    assert "fetched hf_daily: 3 papers of 2026-12-10: 2 new, 1 known" in nextday.stdout, nextday.stdout
    sent = smtp_server.messages[0].message.get_body(("plain",)).get_content()
    assert "Spiking topic 10 two" in sent and "Spiking topic 10 three" in sent, sent
