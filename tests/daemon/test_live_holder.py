"""A worker at its fetch on PostgreSQL that a server keeps waiting (503 with Retry-After) is at work,
not frozen: a pass waiting for its "fetch" lock gave up after its own due sources' fetch_time (which
counts no Retry-After) and warned 'If that worker is stopped or hung, end it, or its session: SELECT
pg_terminate_backend(N)', and `digest status` listed it under "Duties held up" once its session had
been silent through one such wait. The holder now speaks to the database at each try it makes again,
a pass waits on while the holder shows such signs of life, and status judges a "fetch" holder by
the longest silence of a worker at it (one try and one wait). Real parts: a real `digest fetch` of
a loopback source answering 503 with Retry-After twice, a daemon's pass on the same database,
`digest status`'s collect_status, aiosmtpd."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.fetch_holders import cy_due_as_workers_fetch, fetch_holding_the_lock, status_then_a_pass

from digest.demo.http_server import LocalHttpServer, Route, one_page

pytestmark = pytest.mark.backends

LATER = 12  # s: the server's Retry-After, twice, before it answers


def test_a_holder_kept_waiting_by_the_server_is_waited_for_and_not_called_frozen(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    ws = mail_workspace
    busy = Route(b"busy", status=503, headers={"Retry-After": str(LATER)})
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, lambda fixture: one_page(busy, busy, fixture))
    with LocalHttpServer(routes) as server:  # fetch_time: 3 tries of 1 s and 2 + 4 s of waits, 1 s
        configure(
            ws, server, HF + "    timeout: 1\n    retries: 2\n", RSS + "    timeout: 1\n    retries: 0\n"
        )
        with fetch_holding_the_lock(ws) as fetching:  # the pass's patience (its sources' 10 s): 1 s
            # status once the holder's session was silent through the server's first wait
            shown, report, said, waited = status_then_a_pass(ws, monkeypatch, caplog, LATER - 1.5)
            out, _ = fetching.communicate(timeout=60)
    assert fetching.returncode == 0, out
    assert "hf_daily: 3 papers" in out, out
    assert not [s for s in said if "pg_terminate_backend" in s], said  # was: end it, after 10 s
    assert "Duties held up" not in shown and "pg_terminate_backend" not in shown, shown
    assert waited >= 2 * LATER, waited  # the pass waited for it to end, then found nothing due
    assert report.fetched == () and [s.user for s in report.scheduled] == ["cy"]


def test_send_waiting_for_a_holder_kept_waiting_by_the_server_says_it_is_at_work(mail_workspace, smtp_server):
    """`digest send` waits for another worker's fetch to its end; after claims.SAY_AFTER it said "If
    that worker is stopped or hung, end it, or its session: SELECT pg_terminate_backend(N)" of a
    worker at work (its session spoke to the database at its last try, a server's Retry-After ago)."""
    ws = mail_workspace
    busy = Route(b"busy", status=503, headers={"Retry-After": str(LATER)})
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, lambda fixture: one_page(busy, busy, fixture))
    with LocalHttpServer(routes) as server:  # quiet_time: one try (4 x 1 s) and a wait (120 s)
        configure(
            ws, server, HF + "    timeout: 1\n    retries: 2\n", RSS + "    timeout: 1\n    retries: 0\n"
        )
        digest = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
        with fetch_holding_the_lock(ws) as fetching:
            sent = subprocess.run(
                [*digest, "send", "--user", "cy"], capture_output=True, text=True, timeout=120
            )
            out, _ = fetching.communicate(timeout=60)
    assert fetching.returncode == 0 and "hf_daily: 3 papers" in out, out
    said = " ".join(sent.stderr.split())
    assert 'fetch: waiting for another worker, which has held the "fetch" lock for 1' in said, sent.stderr
    assert "and is at work (its session spoke to the database " in said, sent.stderr
    assert "pg_terminate_backend" not in said, sent.stderr  # was: end it, after 10 s
    assert sent.returncode == 0 and "3 papers  sent" in sent.stdout, sent.stdout + sent.stderr
    assert len(smtp_server.messages) == 1  # the send waited for the fetch, and its papers are in it
