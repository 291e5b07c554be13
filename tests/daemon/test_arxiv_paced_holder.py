"""A worker on PostgreSQL fetching several arXiv categories keeps arXiv's pace, 3 s between its
requests to an arXiv host (digest.ingest.http.Http._pace), and says nothing to the database while it
waits: the silence a worker at its fetch may keep (fetching.quiet_time: one try, 4 x the timeout,
and the wait before it) did not count that pace, so a pass waiting for its "fetch" lock called it
stopped or hung and `digest status` listed it under "Duties held up". Real parts: a real `digest
fetch` of four arXiv feeds (rss.arxiv.org, served through a loopback HTTP server as the proxy the
environment names: nothing leaves the machine), a daemon's pass on the same database, `digest
status`'s collect_status, aiosmtpd."""

from __future__ import annotations

import datetime as dt

import pytest
from daemon_processes import workers_share
from helpers.fetch_holders import fetch_holding_the_lock, status_then_a_pass
from helpers.fetch_sources import configure, fixture
from helpers.sends_that_fetch import CY

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends

CATEGORIES = ("cs.LG", "cs.CL", "cs.AI", "cs.CV")  # a request each, 3 s apart: 9 s and more in all
ARXIV = "  - kind: arxiv_listing\n    categories: [{c}]\n    url: http://rss.arxiv.org/rss/{{categories}}\n"
QUICK = "    timeout: 0.25\n    retries: 0\n"  # a worker at it silent 1 s at most, pace not counted


def test_a_holder_keeping_arxivs_pace_is_waited_for_and_not_called_frozen(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    ws = mail_workspace
    workers_share(ws)
    ws.profile("cy", CY + f'send_at: "{dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1):%H:%M}"\n')
    feed = fixture("arxiv_listing.rss")
    routes = {f"/rss/{c}": Route(feed, content_type="application/rss+xml", delay=0.1) for c in CATEGORIES}
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with LocalHttpServer(routes) as server:
        monkeypatch.setenv("http_proxy", server.url(""))  # arXiv's host, answered here
        configure(ws, server, *(ARXIV.format(c=c) + QUICK for c in CATEGORIES))
        with fetch_holding_the_lock(ws) as fetching:  # status 2.5 s on: between its first two requests
            shown, report, said, waited = status_then_a_pass(ws, monkeypatch, caplog, 2.5)
            out, _ = fetching.communicate(timeout=60)
    assert fetching.returncode == 0, out
    assert [r.path for r in server.requests] == [f"http://rss.arxiv.org/rss/{c}" for c in CATEGORIES]
    assert "Duties held up" not in shown and "pg_terminate_backend" not in shown, shown
    assert not said, said  # was: silent for 3 s, longer than a worker at it is (1 s): it is stopped or hung
    assert waited >= 3 * 3, waited  # the pass waited for the fetch to end, then found nothing due
    assert report.fetched == () and [s.user for s in report.scheduled] == ["cy"]
