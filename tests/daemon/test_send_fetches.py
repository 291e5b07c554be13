"""`digest send` fetches the sources due before it sends, as the daemon's pass does
(digest.daemon.fetching.fetch_due): before, a send at a reader's send time, a source due and not
fetched yet, sent without its papers, and the pass that fetched them then sent nothing more that
period. Real parts: the sources on a loopback HTTP server (the fetch tests' fixtures), real
`digest send` processes, a daemon's pass, aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from daemon_processes import another_worker_at, workers_share
from helpers.faked import digest_at, needs_faketime
from helpers.sends_that_fetch import CY, FROM_FEED, FROM_HF, digest, fetch_the_sources, text_of

from digest.config import load_config
from digest.daemon.lease_holders import utc_at
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.fetch_all import fetch_all
from digest.ingest.http import Http
from digest.store import Store

pytestmark = pytest.mark.backends

DAY_AFTER = dt.datetime(2026, 11, 28, 6, 0, tzinfo=dt.UTC)  # the day after the fixtures' (2026-11-27)


def cy_due_soon(ws, now: dt.datetime | None = None) -> dt.datetime:
    """cy's send time half an hour after ``now`` (the clock's): the sources (fetched an hour
    ahead) are due now."""
    soon = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=30)
    ws.profile("cy", CY + f'send_at: "{soon:%H:%M}"\n')
    return soon.replace(second=0, microsecond=0)


@needs_faketime
def test_send_fetches_the_sources_due_first_and_the_pass_has_nothing_left(mail_workspace, smtp_server):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF, RSS)
        send_at = cy_due_soon(ws, DAY_AFTER)
        sent = digest_at(ws, "send", at=DAY_AFTER)  # yesterday's daily papers: the fixtures' day
        assert "hf_daily: fetched first: 3 papers of 2026-11-27: 3 new, 0 known" in sent.stdout
        assert "arxiv-cs.LG: fetched first: 3 papers of 2026-11-27: 2 new, 1 known" in sent.stdout
        assert "3 papers  sent" in sent.stdout  # was: "0 papers  nothing new", nothing fetched
        asked = len(server.requests)
        daemon = Daemon(ws.config, lambda: send_at, sender_factory=lambda config: SmtpSender(config.smtp))
        report = daemon.run_once()  # cy's send time: fetched and served already
        assert report.fetched == () and len(server.requests) == asked
    (received,) = smtp_server.messages  # the send's alone, with both sources' papers
    assert FROM_HF in text_of(received) and FROM_FEED in text_of(received)


def test_a_source_that_fails_is_said_and_the_send_goes_on(mail_workspace, smtp_server):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    routes = hf_and_feed()
    del routes["/api/daily_papers"]  # 404: not retried
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF, RSS)
        cy_due_soon(ws)
        sent = digest(ws, "send")
    assert "arxiv-cs.LG: fetched first: 3 papers of " in sent.stdout, sent.stdout
    assert "1 paper  sent" in sent.stdout, sent.stdout
    lines = sent.stderr.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.startswith("hf_daily: not fetched")]
    assert lines[at] == (  # was one line: "...: HTTP 404 ...; check the source's url: ...; these
        # digests go without it: the daemon's pass tries it again in 15 minutes, `digest fetch` now"
        "hf_daily: not fetched, so these digests go without it (the daemon's pass tries it again in "
        "15 minutes, `digest fetch` now):"
    ), sent.stderr
    assert lines[at + 1].startswith("  failed: http://127.0.0.1:") and " 404 " in lines[at + 1], sent.stderr
    assert lines[at + 1].endswith(f"; check the source's url: sources[0].url in {ws.config_path}"), (
        sent.stderr
    )
    (received,) = smtp_server.messages
    assert FROM_FEED in text_of(received) and FROM_HF not in text_of(received)
    assert sent.returncode == 3  # as `digest run --once` exits: the readers served, a source not


def test_send_dry_run_says_what_it_would_fetch_and_fetches_nothing(mail_workspace, smtp_server):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF, RSS)
        cy_due_soon(ws)
        dry = digest(ws, "send", "--dry-run")
        assert server.requests == []  # a dry run writes nothing: fetches nothing
    assert dry.returncode == 0 and "0 papers  nothing new" in dry.stdout, dry.stdout + dry.stderr
    assert dry.stderr == (
        "note: 2 sources due are not fetched for this dry run (hf_daily, arxiv-cs.LG): `digest send` "
        "fetches them before sending the digests, as the daemon (`digest run`) does; `digest fetch` "
        "fetches them now.\n"
    )
    assert smtp_server.messages == []


def test_a_send_while_another_worker_fetches_waits_for_that_fetch(mail_workspace, smtp_server):
    """A pass of another worker fetching (its "fetch" advisory lock held) as `digest send` starts:
    the send waited for nothing and sent cy's digest without the source due ("0 papers  nothing
    new"); it now waits for that fetch, then fetches what is still due and sends it."""
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    workers_share(ws)
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF, RSS)
        cy_due_soon(ws)
        with another_worker_at(ws.config.database, "fetch", seconds=3):  # the other worker's fetch
            sent = digest(ws, "send")
    assert "hf_daily: fetched first: " in sent.stdout, sent.stdout + sent.stderr
    assert "3 papers  sent" in sent.stdout, sent.stdout  # was: "0 papers  nothing new"
    (received,) = smtp_server.messages
    assert FROM_HF in text_of(received) and FROM_FEED in text_of(received)


def test_a_preview_says_send_of_one_reader_does_not_fetch_a_source_due_for_another(
    mail_workspace, smtp_server
):
    """cy's preview named the sources due for ada's send time (half an hour on) as ones "the daemon
    (`digest run`) and `digest send` fetch before sending the digest"; `digest send cy` fetches what
    cy's digest is due for alone (not them), and said nothing of it. The note says so now."""
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF, RSS)
        cy_due_soon(ws)  # as ada: her send time half an hour on, the sources due for it
        ws.profile("ada", (ws.config.profiles / "cy.yaml").read_text().replace("cy@", "ada@"))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
        ws.profile("cy", CY + f'send_at: "{later:%H:%M}"\n')
        with Store(ws.config.database) as store, Http() as client:  # fetched 2 h ago: for cy's (then)
            fetch_all(load_config(ws.config_path), store, client, later - dt.timedelta(hours=5))
        asked = len(server.requests)  # next send time, not for ada's, 1 h from its moment
        shown = digest(ws, "preview", "cy", "--text")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        said = " ".join(shown.stderr.split())
        assert (
            "note: 2 sources to be fetched before cy's digest goes out are not in this preview "
            "(hf_daily, due now; arxiv-cs.LG, due now): the daemon (`digest run`) and `digest send` "
            "fetch them before sending the digest (not `digest send --user cy`: they are due for other "
            "readers' send times); `digest fetch` fetches them now."
        ) in said, shown.stderr
        sent = digest(ws, "send", "--user", "cy")  # as the note says: cy's digest goes without them
        assert sent.returncode == 0 and "fetched first" not in sent.stdout, sent.stdout + sent.stderr
        assert len(server.requests) == asked


def test_a_source_whose_server_asks_for_an_hour_is_said_tried_again_then(mail_workspace, smtp_server):
    """A 503 with "Retry-After: 3600": the line said "the daemon's pass tries it again in 15 minutes",
    where the pass asks it no sooner than the server's hour (is_due), if at all that period."""
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    routes = hf_and_feed()
    routes["/api/daily_papers"] = Route(b"busy", status=503, headers={"Retry-After": "3600"})
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF, RSS)
        cy_due_soon(ws)
        before = dt.datetime.now(dt.UTC)
        sent = digest(ws, "send")
    assert "1 paper  sent" in sent.stdout, sent.stdout + sent.stderr
    lines = sent.stderr.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.startswith("hf_daily: not fetched")]
    assert "15 minutes" not in lines[at], sent.stderr
    hour = [before.replace(microsecond=0) + dt.timedelta(seconds=3600 + s) for s in range(60)]
    assert any(
        lines[at]
        == (
            "hf_daily: not fetched, so these digests go without it (the server asks to wait (Retry-After): "
            f"the daemon's pass tries it again {utc_at(t, before)} if its readers still wait for it then, "
            "else at its next fetch time; `digest fetch` now):"
        )
        for t in hour  # the server's hour from the send's clock, a second or more after `before`
    ), sent.stderr
    assert "the server asks to wait 3600 s (Retry-After)" in lines[at + 1], sent.stderr
