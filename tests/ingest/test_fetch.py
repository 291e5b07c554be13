"""Fetching from a real HTTP server on loopback: what a flaky, slow or unchanged server does,
what a malformed answer does, and that a paper fetched from two sources is stored once."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.fetch_sources import (
    HF,
    NOW,
    RSS,
    asked_day,
    configure,
    daily_page,
    daily_papers_api,
    fixture,
    hf_and_feed,
)

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route, one_page
from digest.ingest import inbox
from digest.ingest.fetch import EMPTY, FAILED, LISTING, NOT_MODIFIED
from digest.ingest.fetch_all import fetch_all
from digest.ingest.fetch_records import last_fetches
from digest.ingest.http import USER_AGENT, FetchError, Http, retry_after_seconds
from digest.store import Store

ASKED = dt.date(2026, 11, 29)  # the day of the daily papers fetched at NOW: yesterday


class Waits:
    """The sleep handed to Http: records each wait instead of taking it."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run(config, waits: Waits | None = None, **http):
    with Store(config.database) as store, Http(sleep=waits or Waits(), backoff=0.5, **http) as client:
        outcomes = fetch_all(config, store, client, NOW)
        return outcomes, store.papers(), last_fetches(store)


def test_the_daily_papers_of_yesterday_are_fetched_saved_and_ingested(workspace):
    with LocalHttpServer({"/api/daily_papers": daily_papers_api()}) as server:
        config = configure(workspace, server, HF)
        (outcome,), papers, _ = run(config)
        assert server.requests[0].path == "/api/daily_papers?date=2026-11-29&limit=100&p=0"  # pages
        assert server.requests[0].headers["User-Agent"] == USER_AGENT
    assert outcome.outcome == LISTING and outcome.new_papers == 3
    assert outcome.saved.parent == config.inbox / "processed"
    assert outcome.saved.read_bytes() == daily_page(ASKED)  # the document as it came
    assert {p.arxiv_id for p in papers} == {"2611.01001", "2611.01002", "2611.01003"}


def test_the_same_paper_from_the_json_and_the_feed_is_stored_once(workspace):
    with LocalHttpServer(hf_and_feed()) as server:
        config = configure(workspace, server, HF, RSS)
        outcomes, papers, _ = run(config)
    assert [o.new_papers for o in outcomes] == [3, 2]
    assert [p.arxiv_id for p in papers].count("2611.01002") == 1 and len(papers) == 5


def test_429_and_500_are_retried_honouring_retry_after(workspace):
    answers = [
        Route(b"slow down", status=429, headers={"Retry-After": "7"}),
        Route(b"oops", status=500),
        Route(daily_page(ASKED)),
    ]
    waits = Waits()
    with LocalHttpServer({"/api/daily_papers": one_page(*answers)}) as server:
        config = configure(workspace, server, HF)
        (outcome,), papers, _ = run(config, waits)
        assert len(server.requests) == 4  # three tries of the day's page, then the (empty) page after it
    assert outcome.outcome == LISTING and len(papers) == 3
    assert waits.waits == [7.0, 1.0]  # Retry-After, then the doubled backoff


def test_a_server_that_keeps_failing_is_a_failed_fetch_that_stores_nothing(workspace):
    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=503)}) as server:
        config = configure(workspace, server, HF)
        (outcome,), papers, fetches = run(config)
        assert len(server.requests) == 4  # one try and three retries
    assert outcome.outcome == FAILED and "HTTP 503" in outcome.detail and "after 4 attempts" in outcome.detail
    assert papers == [] and list(config.inbox.iterdir()) == []
    assert fetches["hf_daily"].outcome == FAILED and fetches["hf_daily"].succeeded_at is None


def test_a_404_is_not_retried(workspace):
    with LocalHttpServer({}) as server:
        config = configure(workspace, server, HF)
        (outcome,), _, _ = run(config)
        assert len(server.requests) == 1
    assert outcome.outcome == FAILED and "HTTP 404" in outcome.detail


def test_a_slow_server_times_out_and_is_retried(workspace):
    answers = [Route(daily_page(ASKED), delay=3.0), Route(daily_page(ASKED))]
    with LocalHttpServer({"/api/daily_papers": answers}) as server:
        config = configure(workspace, server, HF + "    timeout: 1.0\n")  # generous: a busy machine
        (outcome,), papers, _ = run(config)
    assert outcome.outcome == LISTING and len(papers) == 3


def test_a_server_too_slow_every_time_is_a_timeout_failure(workspace):
    with LocalHttpServer({"/api/daily_papers": Route(b"[]", delay=1.0)}) as server:
        config = configure(workspace, server, HF + "    timeout: 0.3\n    retries: 0\n")
        (outcome,), _, _ = run(config)
    assert outcome.outcome == FAILED and "timed out" in outcome.detail


def test_an_unchanged_document_costs_a_304_and_nothing_is_read_again(workspace):
    route = Route(fixture("arxiv_listing.rss"), content_type="application/rss+xml", etag='"v1"')
    with LocalHttpServer({"/rss/cs.LG": route}) as server:
        config = configure(workspace, server, RSS)
        (first,), _, _ = run(config)
        (second,), papers, fetches = run(config)
        assert "If-None-Match" not in server.requests[0].headers
        assert server.requests[1].headers["If-None-Match"] == '"v1"'
    assert first.outcome == LISTING and second.outcome == NOT_MODIFIED
    assert len(list((config.inbox / "processed").iterdir())) == 1 and len(papers) == 3
    assert fetches["arxiv-cs.LG"].succeeded_at == NOW


@pytest.mark.parametrize("name", ["malformed.json", "malformed.xml", "bomb.xml"])
def test_a_malformed_document_lands_in_failed_with_the_source_named_and_stores_nothing(workspace, name):
    with LocalHttpServer({"/api/daily_papers": Route(fixture(name))}) as server:
        config = configure(workspace, server, HF)
        (outcome,), papers, _ = run(config)
    assert outcome.outcome == FAILED and papers == []
    assert outcome.saved.parent == config.inbox / "failed"
    reason = outcome.saved.with_name(outcome.saved.name + ".error.txt").read_text()
    assert reason.startswith(f"fetched from hf_daily ({server.url('/api/daily_papers?date=2026-11-29')}): ")
    assert str(outcome.saved) in reason and "/.fetch-" not in reason  # named where it is now
    assert outcome.saved.read_bytes() == fixture(name)  # kept as it came, to look at


def test_two_sources_serving_the_same_bad_document_each_keep_their_own_copy(workspace):
    routes = {"/q": Route(b"<html>503</html>"), "/q2": Route(b"<html>503</html>")}
    with LocalHttpServer(routes) as server:
        sources = (
            "  - {kind: url, name: q-2, url: '{base}/q2'}\n",
            "  - {kind: url, name: q, url: '{base}/q'}\n",
        )
        config = configure(workspace, server, *sources)
        outcomes, _, _ = run(config)
    assert [o.outcome for o in outcomes] == [FAILED, FAILED]
    for outcome, name in zip(outcomes, ("q-2", "q"), strict=True):
        assert outcome.saved.name.startswith(f"fetch-{name}-2026-11-30-")
        note = outcome.saved.with_name(outcome.saved.name + ".error.txt").read_text()
        assert note.startswith(f"fetched from {name} (")


def test_a_document_being_read_is_hidden_from_digest_ingest_and_keeps_its_name(workspace, monkeypatch):
    import digest.ingest.fetch as fetching
    from digest.ingest import inbox

    seen = []

    def read_listing(path, **kw):  # the real reader, noting what `digest ingest` would pick meanwhile
        seen.append(inbox.candidates(path.parent))
        return original(path, **kw)

    original = fetching.read_listing
    monkeypatch.setattr(fetching, "read_listing", read_listing)
    with LocalHttpServer({"/api/daily_papers": daily_papers_api()}) as server:
        config = configure(workspace, server, HF)
        (outcome,), _, _ = run(config)
        with Store(config.database) as store:
            (source,) = [row[0] for row in store.db.execute("SELECT source FROM listings")]
    assert seen == [[]]  # the inbox looked empty to an ingest while the fetch read the document
    assert outcome.saved.name.startswith("fetch-hf_daily-2026-11-29-")
    assert Path(source).name == outcome.saved.name  # as `status` shows the last ingest


def test_a_fetch_interrupted_before_its_document_is_stored_keeps_it_aside_and_asks_again(workspace):
    with LocalHttpServer({"/api/daily_papers": daily_papers_api()}) as server:
        config = configure(workspace, server, HF)
        with Store(config.database):  # the database made, then opened read-only: storing fails
            pass
        with (
            Store(config.database, readonly=True) as store,
            Http(sleep=Waits()) as client,
            pytest.raises(Exception),  # noqa: B017 - whatever the database raises
        ):
            fetch_all(config, store, client, NOW)
        assert inbox.candidates(config.inbox) == []  # not read without the source's settings
        ((kept, why),), _ = inbox.failed_dumps(config.inbox)
        assert kept.read_bytes() == daily_page(ASKED)
        assert why.startswith("not stored: fetched from hf_daily (") and "but the fetch stopped (" in why
        (again,), papers, _ = run(config)  # the attempt was not recorded: the next one stores it
    assert again.outcome == LISTING and len(papers) == 3


def test_a_document_a_killed_fetch_left_hidden_is_put_aside_by_the_next_fetch(workspace):
    with LocalHttpServer({"/api/daily_papers": Route(b"[]")}) as server:
        config = configure(workspace, server, HF)
        stranded = config.inbox / ".fetch-hf_daily-2026-11-28-20261128T060000.json"
        stranded.write_bytes(fixture("hf_daily.json"))
        os.utime(stranded, (NOW.timestamp() - 3600,) * 2)  # an hour old: its fetch is long gone
        run(config)
    ((kept, why),), _ = inbox.failed_dumps(config.inbox)
    assert kept.name == stranded.name[1:] and kept.read_bytes() == fixture("hf_daily.json")
    assert why == "not stored: left in the inbox by a fetch that was stopped; the source is fetched again"


def test_an_empty_weekend_feed_is_nothing_new_not_an_error(workspace):
    route = Route(fixture("arxiv_weekend.rss"), content_type="application/rss+xml")
    with LocalHttpServer({"/rss/cs.LG": route}) as server:
        config = configure(workspace, server, RSS)
        (outcome,), papers, fetches = run(config)
    assert outcome.outcome == EMPTY and "no papers" in outcome.detail and papers == []
    assert fetches["arxiv-cs.LG"].outcome == EMPTY


def test_an_empty_daily_papers_answer_is_the_listing_of_the_day_asked_for(workspace):
    with LocalHttpServer({"/api/daily_papers": Route(b"[]")}) as server:
        config = configure(workspace, server, HF)  # day: yesterday, the default
        (outcome,), _, _ = run(config)
    assert outcome.outcome == EMPTY
    assert outcome.detail == "no papers in the hf_daily listing of 2026-11-29 (weekend or holiday?)"


def test_arxiv_hosts_get_at_most_one_request_per_three_seconds(workspace):
    clock = [100.0]
    waits = Waits()
    routes = {"/rss/cs.LG": Route(fixture("arxiv_weekend.rss"))}
    with (
        LocalHttpServer(routes) as server,
        Http(sleep=waits, clock=lambda: clock[0], slow_hosts=frozenset({"127.0.0.1"})) as client,
    ):
        client.get(server.url("/rss/cs.LG"))
        clock[0] += 1.0
        client.get(server.url("/rss/cs.LG"))
    assert waits.waits == [pytest.approx(2.0)]


def test_retry_after_may_be_an_http_date():
    now = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("Mon, 30 Nov 2026 06:00:30 GMT", now) == 30.0
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("soon", now) is None


def test_digest_fetch_fetches_every_source_and_says_what_each_brought(workspace):
    routes = {**hf_and_feed("arxiv_weekend.rss"), "/api/daily_papers": daily_papers_api()}
    with LocalHttpServer(routes) as server:
        configure(workspace, server, HF, RSS)
        result = workspace.cli("fetch")
        assert result.exit_code == 0, result.output
        assert f"hf_daily: 3 papers of {asked_day(server)}: 3 new, 0 known" in result.output
        assert "arxiv-cs.LG: empty: no papers" in result.output
        only = workspace.cli("fetch", "--source", "nope")
    assert only.exit_code != 0 and "no source named nope" in only.output


def test_digest_fetch_says_a_feed_not_modified_since_the_last_fetch_once(workspace):
    """`arxiv-cs.LG: not modified: not modified since the last fetch`, said twice in one line."""
    routes = {"/rss/cs.LG": Route(fixture("arxiv_listing.rss"), etag='"v1"')}
    with LocalHttpServer(routes) as server:
        configure(workspace, server, RSS)
        assert workspace.cli("fetch").exit_code == 0
        again = workspace.cli("fetch")
        assert server.requests[-1].headers.get("If-None-Match") == '"v1"'  # answered 304
    assert again.exit_code == 0, again.output
    assert again.output == "arxiv-cs.LG: not modified since the last fetch\n"


def test_digest_fetch_exits_non_zero_when_a_fetch_failed(workspace):
    with LocalHttpServer({"/api/daily_papers": Route(fixture("malformed.json"))}) as server:
        configure(workspace, server, HF)
        result = workspace.cli("fetch")
    assert (
        result.exit_code == 1 and "hf_daily: failed:" in result.output and "not valid JSON" in result.output
    )


def test_digest_fetch_says_a_document_it_cannot_read_once_and_the_daemons_log_keeps_its_warning(
    workspace, caplog
):
    """`digest fetch` said a document it could not read twice: a WARNING on stderr, then the
    source's line on stdout, with the same reason. It is said once, in the line; the daemon,
    whose log is all it has to say it, still logs the warning (fetch_source's default)."""
    with LocalHttpServer({"/api/daily_papers": Route(fixture("malformed.json"))}) as server:
        configure(workspace, server, HF)
        command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 1
        (line,) = [line for line in done.stdout.splitlines() if line.startswith("hf_daily: failed: ")]
        assert "not valid JSON" in line
        assert "not valid JSON" not in done.stderr and "WARNING" not in done.stderr, done.stderr
        caplog.set_level(logging.WARNING)
        (outcome,), _, _ = run(load_config(workspace.config_path))
    assert outcome.outcome == FAILED
    (warning,) = [
        r for r in caplog.records if r.levelno == logging.WARNING and "fetched from" in r.getMessage()
    ]
    assert "not valid JSON" in warning.getMessage()


def test_a_document_larger_than_the_limit_is_refused(workspace):
    with (
        LocalHttpServer({"/big": Route(b"[" + b" " * 5000 + b"]")}) as server,
        Http(max_bytes=1000) as client,
        pytest.raises(FetchError, match="larger than 1,000 bytes"),
    ):
        client.get(server.url("/big"))


BROKEN = ("/loop", "/bad-gzip", "/away")  # the sources that cannot work, in the config's order


def test_a_redirect_loop_or_a_body_that_cannot_be_decoded_fails_that_source_alone(workspace):
    routes = {
        "/loop": Route(status=302, headers={"Location": "/loop"}),
        "/bad-gzip": Route(b"not gzip at all", headers={"Content-Encoding": "gzip"}),
        "/away": Route(status=302, headers={"Location": "file:///etc/passwd"}),
        "/rss/cs.LG": Route(fixture("arxiv_listing.rss"), content_type="application/rss+xml"),
    }
    with LocalHttpServer(routes) as server:
        broken = [
            f"  - kind: url\n    name: s{i}\n    url: {{base}}{path}\n" for i, path in enumerate(BROKEN)
        ]
        config = configure(workspace, server, *broken, RSS)
        outcomes, papers, _ = run(config)
        tries = [r.path for r in server.requests]
    loop, bad, away, rss = outcomes
    assert (loop.outcome, bad.outcome, away.outcome) == (FAILED, FAILED, FAILED)
    assert "too many redirects" in loop.detail and "/loop" in loop.detail
    assert "compressed body (Content-Encoding: gzip) that does not decompress" in bad.detail
    assert "/bad-gzip" in bad.detail and tries.count("/bad-gzip") == 2  # tried once more, no more
    assert "file" in away.detail and tries.count("/away") == 1  # never retried: it cannot work
    assert rss.outcome == LISTING and papers  # the next source was fetched


def test_a_body_encoded_twice_is_refused_before_it_is_unpacked(workspace):
    import gzip

    body = gzip.compress(gzip.compress(b"[" + b" " * 1_000_000 + b"]"))
    route = Route(body, headers={"Content-Encoding": "gzip, gzip"})
    with (
        LocalHttpServer({"/twice": route}) as server,
        Http() as client,
        pytest.raises(FetchError, match=r"encoded more than once \(gzip, gzip\); refused"),
    ):
        client.get(server.url("/twice"))


def test_a_body_that_trickles_in_is_cut_off_at_the_deadline(workspace):
    import socket
    import threading
    import time

    from digest.demo.smtp_server import free_port
    from digest.ingest.http import DEADLINE

    port, stop = free_port(), threading.Event()
    listener = socket.create_server(("127.0.0.1", port))

    def trickle() -> None:  # a server that sends a byte every 0.05 s, for ever
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
            while not stop.wait(0.05):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    try:
        with Http() as client, pytest.raises(FetchError, match="still arriving after"):
            client.get(f"http://127.0.0.1:{port}/drip", timeout=0.5, retries=0)  # each read: 0.05 s
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < DEADLINE * 0.5 + 5


def test_last_modified_is_sent_back_as_if_modified_since(workspace):
    stamp = "Fri, 27 Nov 2026 05:00:10 GMT"
    route = Route(fixture("arxiv_listing.rss"), headers={"Last-Modified": stamp})
    with LocalHttpServer({"/rss/cs.LG": route}) as server:
        config = configure(workspace, server, RSS)
        run(config)
        (again,), _, _ = run(config)
        assert server.requests[1].headers["If-Modified-Since"] == stamp
    assert again.outcome == LISTING and again.detail.endswith(": already ingested, nothing new")
