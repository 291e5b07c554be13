"""A reader's window read with a failed digest's paper carried into it, that paper merged into
another before their digest is stored (a listing taken in meanwhile gives, with an arXiv id,
the title it was stored under without one: digest.store_papers.merge_paper): the window as it
would be read now carries the paper it became, not the one read, which Outbox.enqueue takes for
a failure it did not see (Store.failed_unseen, a false alarm). The papers are then offered
once more to the digest after it, until the digest stored is sent: nothing twice, nothing lost.
Two real connections (the pass's and the ingest's), a real daemon's passes, a real SMTP server
on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers.bobs_week import DAY, THU_0730, received, server, up_to_friday  # noqa: F401  (the fixture)

from digest.compose.outgoing import prepare
from digest.compose.render import Renderer
from digest.daemon.queue_due import queue_for_periods
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.select.digests import next_digest
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends

MINUTE = dt.timedelta(minutes=1)
ARXIV_ID = "2603.04040"


def daily_json() -> str:  # Wednesday's daily papers: the id, with a title of its own
    paper = {"id": ARXIV_ID, "title": "Robotics Wednesday", "summary": "Robots.", "upvotes": 4}
    return json.dumps([{"paper": paper, "publishedAt": "2026-03-18T12:00:00.000Z"}])


def query_atom() -> str:  # the arXiv query API: the id with the title of Thursday's (no id) paper
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<updated>2026-03-20T00:00:00-05:00</updated>
<entry><id>http://arxiv.org/abs/{ARXIV_ID}v2</id><title>Robotics Thursday</title><summary>Robots.</summary>
<author><name>Ines Vale</name></author><arxiv:primary_category term="cs.RO"/></entry>
</feed>"""


def test_a_carried_paper_merged_as_the_next_digest_is_made_is_offered_once_more_and_sent_once(
    tmp_path,
    server,  # noqa: F811  (test_failed_behind's fixture)
    database,
):
    ws = Workspace(tmp_path, server.port, database)
    wednesday = THU_0730 - DAY
    with Store(ws.config.database) as store:  # the paper with the id, listed the day before
        daily = ws.dump("daily.json", daily_json(), "dumps", wednesday)
        assert not ingest(store, [daily], wednesday).failures
    at = up_to_friday(ws)  # Thursday's digest ("Robotics Thursday", no id yet) deferred twice
    friday = THU_0730 + DAY + MINUTE
    with Store(ws.config.database) as one, Store(ws.config.database) as other:
        (bob,) = load_profiles(ws.config)
        (thursday,) = Outbox(other).messages(QUEUED, user="bob")
        Outbox(other).mark_failed(thursday, "550 5.2.2 mailbox full", friday - 2 * MINUTE)
        made = next_digest(one, bob, friday, config=ws.config)  # the pass reads bob's window:
        assert sorted(m.paper.title for m in made.matches) == ["Robotics Friday", "Robotics Thursday"]
        query = ws.dump("query.atom", query_atom(), "dumps", friday)  # the other worker's ingest:
        assert not ingest(other, [query], friday).failures  # Thursday's paper is Wednesday's now
        assert [p.title for p in other.papers() if p.arxiv_id == ARXIV_ID] == ["Robotics Wednesday"]
        out = prepare(ws.config, made, Renderer.for_config(ws.config), friday)
        (stored,) = queue_for_periods(ws.config, one, Outbox(one), [(out, "2026-03-20")], friday)
        assert [e.status for e in Outbox(one).entries(user="bob")] == [FAILED, QUEUED]
        later = next_digest(one, bob, friday + dt.timedelta(hours=5))  # Friday's not sent yet: the
        assert [m.paper.title for m in later.matches] == ["Robotics Wednesday"]  # paper once more
    at(DAY + 2 * MINUTE)  # Friday 07:32: Friday's sent (Thursday's paper in it)
    with Store(ws.config.database) as store:
        assert [e.status for e in Outbox(store).entries(user="bob")] == [FAILED, SENT]
        assert next_digest(store, bob, friday + dt.timedelta(hours=5)).matches == ()  # sent: not again
    at(2 * DAY + MINUTE)  # Saturday 07:31
    at(3 * DAY + MINUTE)  # Sunday 07:31: nothing new
    assert received(server) == [["Friday", "Thursday"], ["Saturday"]]
