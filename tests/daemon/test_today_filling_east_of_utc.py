"""A daily list asked for before its day was over (UTC, the API's days) is asked once more at the
first fetch after the day is over, when the list is whole; not at every fetch until then. East of
UTC a fetch's day begins before the API's: in Tokyo, a `day: today` source fetched at 07:00 on
the 11th finds the 10th's list still filling (22:00 UTC); asked again at that fetch, and at every
later fetch of the 11th (`digest fetch` by hand, the daemon's retries of a day not out yet), it cost
a request each time and still missed the papers put on the list before midnight UTC. Real
`digest fetch` under libfaketime, a loopback API shaped like the real one whose page of the 10th
grows until its day is over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.daily_papers import as_the_api_sends
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = needs_faketime

HF = (
    "timezone: Asia/Tokyo\nsources:\n  - kind: hf_daily\n    day: today\n"
    "    url: {base}/api/daily_papers?date={date}\n"
)
TOKYO = dt.timezone(dt.timedelta(hours=9))


def test_a_day_still_filling_east_of_utc_is_asked_again_once_it_is_over(workspace, tmp_path: Path):
    filled, asked = tmp_path / "filled", []  # the 10th's page: one paper, three once filled

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") != "0":
            return Route(b"[]")
        day = dt.date.fromisoformat(query["date"])
        asked.append(day.day)
        titles = [f"Spiking topic {day.day} {n}" for n in ("one", "two", "three")]
        titles = titles[:1] if day.day == 10 and not filled.exists() else titles
        return Route(as_the_api_sends(day, day - dt.timedelta(days=1), titles, 10000 + 10 * day.day))

    said: list[str] = []

    def fetch(day: int, hour: int, minute: int = 0) -> list[int]:
        asked.clear()
        at = dt.datetime(2026, 12, day, hour, minute, tzinfo=TOKYO).astimezone(dt.UTC)
        said.append(digest_at(workspace, "fetch", at=at).stdout)
        return list(asked)

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        assert fetch(10, 7) == [10]  # 22:00 UTC on the 9th
        assert fetch(11, 7) == [11]  # 22:00 UTC on the 10th: the 10th not over (before: [10, 11])
        assert fetch(11, 7, 40) == [11]  # before: [10, 11] again, at every fetch of the 11th
        filled.touch()  # two more papers put on the 10th's page before midnight UTC
        assert fetch(12, 7) == [10, 12]  # the 10th over: asked once more, whole
        assert said[-1].splitlines()[0] == "hf_daily: 3 papers of 2026-12-10: 2 new, 1 known", said[-1]
        assert fetch(12, 7, 40) == [12]
