"""A worker fetching a day of the daily papers API page after page on PostgreSQL is at work, not
frozen: between pages that come it said nothing to the database (its sign of life was given only
at a try made again), so a day of many slow pages passed the longest silence of a worker at its
fetch (fetching.quiet_time: one try, 4 x the timeout) and a pass waiting for its "fetch" lock called
it stopped or hung and told the admin to end it, and `digest status` listed it under "Duties held
up". It now speaks to the database after each page. Real parts: a real `digest fetch` of a loopback
API serving slow pages, a daemon's pass on the same database, `digest status`'s collect_status,
aiosmtpd."""

from __future__ import annotations

import json

import pytest
from helpers.fetch_holders import cy_due_as_workers_fetch, fetch_holding_the_lock, status_then_a_pass

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends

SLOW = 1.5  # s each page takes to come, well within its timeout (2 s)
QUICK = "    timeout: 2\n    retries: 0\n"  # quiet_time 8 s; a fetch of both sources: 16 s at most


def slow_pages(count: int, delay: float = SLOW):
    """The daily papers fixture's day spread over ``count`` pages (its papers again under other ids
    and titles past the first: other papers, not the same listed again), each taking ``delay`` s to
    come; an empty page after them."""

    def make(fixture: Route):
        papers = json.loads(fixture.body)

        def answer(query: dict[str, str]) -> Route:
            n = int(query.get("p", "0"))
            if n >= count:
                return Route(b"[]")
            page = [
                {
                    **p,
                    "title": f"{p['title']} {n}",
                    "paper": {
                        **p["paper"],
                        "id": f"{p['paper']['id']}{n:02d}",
                        "title": f"{p['paper']['title']} {n}",
                    },
                }
                for p in papers
            ]
            return Route(json.dumps(page if n else papers).encode(), delay=delay)

        return answer

    return make


def fetch_with_a_pass(ws, monkeypatch, caplog, count: int, status_after: float):
    """A real `digest fetch` of ``count`` slow pages; `digest status` collected ``status_after`` s into
    it, then a daemon's pass (its patience 1 s). (its output, status' text, the pass's report, the
    pass's "lock for" warnings, (the seconds from the lock's taking to the pass's end, whether the
    fetch was still at work then))."""
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, slow_pages(count))
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF + QUICK, RSS + QUICK)
        with fetch_holding_the_lock(ws) as fetching:
            shown, report, said, waited = status_then_a_pass(ws, monkeypatch, caplog, status_after)
            still = fetching.poll() is None
            out, _ = fetching.communicate(timeout=120)
    assert fetching.returncode == 0, out
    return out, shown, report, said, (waited, still)


def test_a_holder_fetching_many_slow_pages_is_waited_for_and_not_called_frozen(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    out, shown, report, said, (waited, _) = fetch_with_a_pass(mail_workspace, monkeypatch, caplog, 12, 9.0)
    assert "hf_daily: 36 papers" in out, out  # 12 pages of 1.5 s: 18 s, none silent 8 s
    assert "Duties held up" not in shown and "pg_terminate_backend" not in shown, shown
    assert not [s for s in said if "pg_terminate_backend" in s], said  # was: stopped or hung, end it
    assert waited >= 12 * SLOW, waited  # the pass waited for the fetch to end, then found nothing due
    assert report.fetched == () and [s.user for s in report.scheduled] == ["cy"]


def test_a_pass_waits_for_a_holder_at_work_as_long_as_a_fetch_of_every_source_may_take_then_says_so(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    """Past its patience, a pass waits on while the holder shows signs of life, up to as long as a
    fetch of every source may take (fetching.longest_fetch: 8 s each here), then goes on without it,
    saying it is at work and not to be ended."""
    out, shown, report, said, (waited, still) = fetch_with_a_pass(
        mail_workspace, monkeypatch, caplog, 16, 1.0
    )
    assert "hf_daily: 48 papers" in out, out  # 16 pages of 1.5 s: 24 s, past the pass's 16 s
    (line,) = said
    assert 'fetch: another worker has held the "fetch" lock for at least 1' in line, line
    assert "and is at work (its session spoke to the database " in line, line
    assert "not waited for longer than a fetch of every source may take, the pass goes on" in line, line
    assert "pg_terminate_backend" not in line and "Duties held up" not in shown, line + shown
    assert waited >= 16 and still, waited  # the cap, 16 s past its start, the fetch still at work
    assert report.fetched == ()  # the pass went on without fetching
