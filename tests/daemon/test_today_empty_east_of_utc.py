"""A `day: today` daily papers source east of UTC (Asia/Tokyo): the config's day begins before the
API's (UTC) day, so a day asked for is often not over when asked. A day whose answer held no
papers (an empty Saturday) is asked at every fetch until the first after its UTC day is over
(Sunday 09:00 in Tokyo), that one the last; one whose answer held papers, once, at that first
fetch. The README said only "asked again the next day", and `day`'s help "yesterday's are complete
by morning", which in Tokyo (07:00 is 22:00 UTC the day before) they are not: both now say what
happens, and this test shows it with real `digest fetch` commands at chosen moments and a loopback
API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route
from digest.options import declared
from digest.sources_config import SourceConfig

from conftest import ROOT

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    day: today\n"
HF += "    retries: 0\n"


def test_an_empty_day_in_tokyo_is_asked_at_each_fetch_until_its_utc_day_is_over(workspace, monkeypatch):
    asked: list[str] = []

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        return Route(b"[]" if query["date"] == "2026-12-12" else graph_page(query))  # Saturday: none

    config = workspace.config_path.read_text() + "timezone: Asia/Tokyo\n"
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(config + HF.replace("{base}", server.url("")))
        # Saturday 06:30 in Tokyo; Sunday 06:30, 07:30 and 08:59, then 09:30 and 10:30 (00:30, 01:30 UTC)
        moments = ((11, 21, 30), (12, 21, 30), (12, 22, 30), (12, 23, 59), (13, 0, 30), (13, 1, 30))
        for day, hour, minute in moments:
            at = dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module("digest.cli.fetch"), "now_utc", lambda at=at: at)
            assert workspace.cli("fetch").exit_code == 0
    saturday, sunday = "2026-12-12", "2026-12-13"
    assert asked == [saturday, *[saturday, sunday] * 4, sunday], asked


def test_the_readme_and_the_help_say_it():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "asked again the next day" not in readme
    assert (
        "it is asked once more at the first fetch after it is over in UTC (in Tokyo, the first after 09:00 "
        "the next day, not at midnight), and one whose answer held no papers (not out yet, or a weekend's) "
        "at each fetch until then"
    ) in readme
    assert "an empty Tokyo Saturday is asked at every fetch of Sunday until 09:00 (00:00 UTC)" in readme
    help = declared(SourceConfig)["day"].help
    assert "complete by morning" not in help and "until its UTC day is over" in help, help
