"""A reader with months of ratings: the preferences page lists the latest 50, the latest first,
says how many there are in all and links to the whole list (which an undo from it returns to);
through a real served app (urllib)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
import urllib.request

from digest.signing import Signer
from digest.store import Store

from conftest import NOW, make_dump


def listed(page: str) -> list[str]:
    return re.findall(r'class="rated-title">([^<]+)</span>', page)


def get(url: str) -> str:
    with urllib.request.urlopen(url) as r:
        return r.read().decode()


def test_two_hundred_ratings_show_the_latest_fifty_and_a_link_to_all(web_workspace):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    titles = [f"Robotics Study Number {n}" for n in range(200)]
    ws.dump("day.txt", make_dump("Mar 14", [(t, f"Robots, part {n}.") for n, t in enumerate(titles)]))
    assert ws.cli("ingest").exit_code == 0
    start = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
    with Store(ws.config.database) as store:
        ids = {p.title: p.id for p in store.papers()}
        for n, title in enumerate(titles):  # one a day for 200 days, in title order
            store.rate("ada", ids[title], 1 if n % 4 else -1, start + dt.timedelta(days=n))
    latest_first = titles[::-1]
    ada = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve() as base:
        page = get(f"{base}/u/{ada}")
        assert listed(page) == latest_first[:50]
        assert "The latest 50 of your 200 ratings." in page, page[page.find('id="ratings"') :][:800]
        assert f'href="/u/{ada}?ratings=all#ratings">See all 200</a>' in page
        whole = get(f"{base}/u/{ada}?ratings=all")
        assert listed(whole) == latest_first
        assert "The latest 50" not in whole
        assert '<input type="hidden" name="back" value="preferences-all">' in whole
        undo = {
            "csrf": Signer.from_config(ws.config).form_token(ada),
            "rating": "clear",
            "back": "preferences-all",
        }
        body = urllib.parse.urlencode(undo).encode()
        with urllib.request.urlopen(
            f"{base}/u/{ada}/rate/{ids[titles[100]]}", body
        ) as r:  # back to the whole list
            assert r.geturl() == f"{base}/u/{ada}?ratings=all&done=rating-clear#ratings"
            assert listed(r.read().decode()) == [t for t in latest_first if t != titles[100]]
