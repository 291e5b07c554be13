"""A worker stopped (SIGSTOP) as soon as it took the "fetch" lock on PostgreSQL counted as at work as
long as a worker at its fetch may be silent (fetching.quiet_time: 4 x the timeout and the wait
before a try, 240 s by default): a pass waited that long before it called it stopped or hung, and
`digest status` named it no sooner. A worker holding a duty's lock now speaks to the database every
2 s from a thread of its own (digest.daemon.speaking), which a SIGSTOP stops with the rest, and the
others call one that speaks stopped once it is silent 20 s. Real parts: a real `digest run --once`
stopped in its fetch of a slow loopback source, a daemon's pass on the same database, `digest
status`'s collect_status, aiosmtpd."""

from __future__ import annotations

import pytest
from helpers.fetch_holders import (
    a_pass_beside_a_frozen_worker,
    cy_due_as_workers_fetch,
    fetch_holding_the_lock,
    status_then_a_pass,
)

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends

SLOW = "    timeout: 15\n    retries: 0\n"  # a worker at them silent 60 s at most; a pass's patience 30 s


def test_a_worker_frozen_as_it_took_the_lock_is_called_stopped_after_20_s_not_60(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    frozen, report, shown, waited = a_pass_beside_a_frozen_worker(mail_workspace, monkeypatch, caplog, SLOW)
    (said,) = [r.getMessage() for r in caplog.records if "lock for at least" in r.getMessage()]
    assert "longer than a worker at it is (20 s): it is stopped or hung" in said, said  # was: (60 s)
    assert "SELECT pg_terminate_backend(" in said, said
    assert waited < 28, waited  # was: 60 s and more (its patience, then silent past 60 s)
    assert [s.user for s in report.scheduled] == ["cy"]  # the pass went on without the fetch
    (held,) = [x for x in shown.splitlines() if '"fetch" lock held by pid ' in x]  # was: none, at 21 s
    assert "(more than the 20 s a worker at it may be)" in held, held


def test_a_worker_waiting_25_s_for_one_answer_speaks_meanwhile_and_is_not_called_stopped(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    """What is told apart: a worker at work whose one request takes longer than 20 s (within its
    timeout of 30 s) says nothing of its own meanwhile, but speaks."""
    ws = mail_workspace
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, lambda fixture: Route(fixture.body, delay=25))
    with LocalHttpServer(routes) as server:
        configure(
            ws, server, HF + "    timeout: 30\n    retries: 0\n", RSS + "    timeout: 1\n    retries: 0\n"
        )
        with fetch_holding_the_lock(ws) as fetching:  # status 22 s into its 25 s wait, then a pass
            shown, report, said, waited = status_then_a_pass(ws, monkeypatch, caplog, 22)
            out, _ = fetching.communicate(timeout=60)
    assert fetching.returncode == 0 and "hf_daily: 3 papers" in out, out
    assert "Duties held up" not in shown and not said, (shown, said)
    assert report.fetched == () and [s.user for s in report.scheduled] == ["cy"]  # waited for it
