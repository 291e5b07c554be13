"""The preferences page's list of ratings dates each rating by the reader's own calendar (their
profile's ``timezone``), as the digests' days are, not by UTC's: through a real `digest serve`
app on a loopback port."""

from __future__ import annotations

import datetime as dt
import re
import urllib.request

from digest.signing import Signer
from digest.store import Store

from conftest import NOW, make_dump

PAPERS = [("Robotics Today", "Robots that grasp."), ("Planning for Robots", "Planning grasps.")]


def listed(url: str) -> list[tuple[str, str]]:
    with urllib.request.urlopen(url) as r:
        page = r.read().decode()
    return re.findall(r'class="rated-title">([^<]+)</span><br><span class="what">([^<]+)</span>', page)


def test_a_rating_is_dated_by_the_readers_day_not_utcs(web_workspace):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ntimezone: Pacific/Kiritimati\ninterests:\n  robotics: 2\n")
    ws.profile("bob", "email: bob@example.org\ntimezone: America/Los_Angeles\ninterests: [robotics]\n")
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    # 10:30 UTC on Mar 16 is 00:30 on Mar 17 in Kiritimati (UTC+14), 03:30 on Mar 16 in Los Angeles;
    # 05:00 UTC on Mar 17 is 19:00 on Mar 17 in Kiritimati, 22:00 on Mar 16 in Los Angeles
    with Store(ws.config.database) as store:
        ids = {p.title: p.id for p in store.papers()}
        for user in ("ada", "bob"):
            store.rate(user, ids["Robotics Today"], 1, dt.datetime(2026, 3, 16, 10, 30, tzinfo=dt.UTC))
            store.rate(user, ids["Planning for Robots"], -1, dt.datetime(2026, 3, 17, 5, 0, tzinfo=dt.UTC))
    signer = Signer.from_config(ws.config)
    with ws.serve() as base:
        ada = listed(f"{base}/u/{signer.token('ada', NOW)}")
        bob = listed(f"{base}/u/{signer.token('bob', NOW)}")
    assert ada == [
        ("Planning for Robots", "Less like this &middot; Mar 17, 2026"),
        ("Robotics Today", "More like this &middot; Mar 17, 2026"),
    ], "ada's day in Kiritimati"
    assert bob == [
        ("Planning for Robots", "Less like this &middot; Mar 16, 2026"),
        ("Robotics Today", "More like this &middot; Mar 16, 2026"),
    ], f"bob's day in Los Angeles: {bob}"
