"""A feed that names no day (no ``pubDate``, ``lastBuildDate`` or ``updated``) is listed under
the day it was saved in the config's zone (``timezone``), dropped in the inbox as fetched: the
same feed, the same moment, the same day, whichever zone the reader is in (a real `digest
ingest`, a real `digest fetch` from a loopback server)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from helpers.faked import LIBFAKETIME, clock_at

from digest.demo.http_server import LocalHttpServer, Route

UNDATED = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <item>
      <title>Sparse Routing for Mixture Models</title>
      <link>https://arxiv.org/abs/2612.02001</link>
      <description>arXiv:2612.02001v1 Announce Type: new Abstract: We route tokens sparsely.</description>
      <guid isPermaLink="false">oai:arXiv.org:2612.02001v1</guid>
      <category>cs.LG</category>
      <dc:creator>Ann Bell</dc:creator>
    </item>
  </channel>
</rss>
"""
# (zone, the moment the feed is saved, that moment's day there; the UTC day is the other one)
ZONES = [
    ("Asia/Tokyo", dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC), "2026-12-05"),  # 08:30 on the 5th
    ("America/Los_Angeles", dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC), "2026-12-04"),  # 19:00 on the 4th
]


def digest(ws, *args: str, faked: dt.datetime | None = None) -> str:
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    env = {**os.environ, "TZ": "UTC"}
    if faked is not None:  # the machine's clock at that moment (libfaketime), for `digest fetch`
        env = clock_at(faked, env)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("zone", "saved", "day"), ZONES)
def test_an_undated_feed_dropped_in_the_inbox_is_of_the_day_it_was_saved_in_the_configs_zone(
    workspace, zone, saved, day
):
    workspace.config_path.write_text(workspace.config_path.read_text() + f"timezone: {zone}\n")
    workspace.dump("cs-LG.rss", UNDATED, mtime=saved)
    said = digest(workspace, "ingest")
    assert f"cs-LG.rss: {day}, 1 entry" in said, said


@pytest.mark.parametrize(("zone", "saved", "day"), ZONES)
def test_the_same_feed_fetched_at_that_moment_is_of_the_same_day(workspace, zone, saved, day):
    if LIBFAKETIME is None:
        pytest.skip("libfaketime is not installed")
    with LocalHttpServer({"/rss": Route(UNDATED, content_type="application/rss+xml")}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + f"timezone: {zone}\n"
            "sources:\n  - kind: arxiv_listing\n    categories: [cs.LG]\n"
            f"    feed: rss\n    url: {server.url('/rss')}\n"
        )
        said = digest(workspace, "fetch", faked=saved)
    assert f"arxiv-cs.LG: 1 paper of {day}" in said, said
