"""Fetching from servers met in the wild, on loopback: what a stalling or misbehaving server
does to a fetch, and that a fetch always ends."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from digest.ingest.http import DEADLINE, FetchError, Http


@contextmanager
def raw_server(answer: bytes, every: float, hang: bool = True) -> Iterator[tuple[str, list[int]]]:
    """A server on loopback that sends ``answer`` one byte every ``every`` seconds, then goes
    quiet (or, not ``hang``, closes the connection); yields its URL and a list that counts the
    connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop, connections = threading.Event(), []

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(4096)
            for byte in answer:
                if stop.wait(every):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
            if hang:
                stop.wait()

    threads: list[threading.Thread] = []

    def accept() -> None:
        listener.settimeout(0.1)  # to see the stop: closing the socket does not end an accept()
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            connections.append(1)
            threads.append(threading.Thread(target=serve, args=(conn,), daemon=True))
            threads[-1].start()

    threads.append(threading.Thread(target=accept, daemon=True))
    threads[0].start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/daily", connections
    finally:
        stop.set()
        for thread in list(threads):  # none left running to stop a later test's fork
            thread.join(timeout=5)
        listener.close()


def test_a_server_that_drips_its_headers_is_cut_off_at_the_deadline_and_not_asked_again():
    headers = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 10_000
    with raw_server(headers, every=0.02) as (url, connections):
        started = time.monotonic()
        with Http(sleep=lambda s: None) as client, pytest.raises(FetchError) as err:
            client.get(url, timeout=0.5, retries=3)  # each byte comes well within a read's timeout
        took = time.monotonic() - started
    assert str(err.value) == f"{url}: the answer was still arriving after {DEADLINE * 0.5:g} s; refused"
    # cut off at the deadline, not read whole (10,000 bytes take 200 s): the bound leaves room for a
    # busy machine (a run beside others took 7 s for the 2 s deadline)
    assert took < 60 and len(connections) == 1


def test_a_server_that_answers_nothing_times_out_each_try_and_is_retried():
    with (
        raw_server(b"", every=0) as (url, connections),
        Http(sleep=lambda s: None) as client,
        pytest.raises(FetchError) as err,
    ):
        client.get(url, timeout=0.3, retries=1)
    assert "no answer within 0.3 s (timed out) (after 2 attempts)" in str(err.value)
    assert len(connections) == 2


@pytest.mark.parametrize("variable", ["http_proxy", "ALL_PROXY"])
def test_the_proxy_the_environment_names_is_used_unless_no_proxy_lists_the_host(monkeypatch, variable):
    from digest.demo.http_server import LocalHttpServer, Route

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    with LocalHttpServer({"/daily": Route(b"[]")}) as proxy:
        monkeypatch.setenv(variable, proxy.url("").replace("://", "://ann:secret@"))
        monkeypatch.setenv("no_proxy", "direct.invalid")
        with Http(sleep=lambda s: None) as client:
            assert client.get("http://papers.invalid/daily").body == b"[]"
            with pytest.raises(FetchError, match="cannot connect"):
                client.get("http://direct.invalid/daily", retries=0)  # not through the proxy
    (request,) = proxy.requests
    assert request.path == "http://papers.invalid/daily"
    assert request.headers["Proxy-Authorization"] == "Basic YW5uOnNlY3JldA=="


def test_a_304_to_a_request_that_compared_nothing_is_a_failed_fetch_not_nothing_new(workspace):
    from digest.config import load_config
    from digest.demo.http_server import LocalHttpServer, Route
    from digest.ingest.fetch import FAILED
    from digest.ingest.fetch_all import fetch_all
    from digest.store import Store

    with LocalHttpServer({"/daily": Route(status=304)}) as server:
        text = (
            workspace.config_path.read_text()
            + f"sources:\n  - {{kind: url, url: '{server.url('/daily')}'}}\n"
        )
        workspace.config_path.write_text(text)
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC))
    assert outcome.outcome == FAILED  # the daemon asks again; `status` says why
    assert outcome.detail.endswith("/daily: HTTP 304 Not Modified, but nothing was asked to compare with")


def test_a_connection_reset_mid_body_is_a_broken_connection_retried_and_a_redirect_names_where_it_led():
    from digest.demo.http_server import LocalHttpServer, Route

    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n[{"  # then the server goes away
    with raw_server(cut, every=0, hang=False) as (dead, connections):
        moved = Route(status=301, headers={"Location": dead})
        with (
            LocalHttpServer({"/moved": moved}) as server,
            Http(sleep=lambda s: None) as client,
            pytest.raises(FetchError) as err,
        ):
            client.get(server.url("/moved"), timeout=0.5, retries=1)
    assert str(err.value).startswith(f"{server.url('/moved')}: the connection broke: ")
    assert str(err.value).endswith(f" (from {dead}, redirected there) (after 2 attempts)")
    assert len(connections) == 2


def test_a_stop_during_a_fetch_gives_it_up_within_a_second_and_records_no_attempt(workspace):
    from digest.config import load_config
    from digest.ingest.fetch_all import fetch_all
    from digest.ingest.fetch_records import last_fetches
    from digest.store import Store

    stop = threading.Event()
    with raw_server(b"", every=0) as (url, _):
        text = workspace.config_path.read_text() + f"sources:\n  - {{kind: url, name: slow, url: '{url}'}}\n"
        workspace.config_path.write_text(text)
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(stop=stop) as http:
            threading.Timer(0.5, stop.set).start()  # SIGTERM, as the daemon takes it
            started = time.monotonic()
            (outcome,) = fetch_all(config, store, http, dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC))
            took = time.monotonic() - started
            assert last_fetches(store) == {}  # not an attempt: the source is due at the next start
    assert took < 2.5  # the timeout is 30 s, the whole answer's deadline 120 s
    assert outcome.detail == f"{url}: not fetched: stopping; fetched again at the next start"


def test_a_fetch_that_can_be_stopped_keeps_its_timeout():
    with (
        raw_server(b"", every=0) as (url, _),
        Http(stop=threading.Event()) as client,
        pytest.raises(FetchError, match=r"no answer within 2.5 s \(timed out\)"),
    ):
        started = time.monotonic()
        client.get(url, timeout=2.5, retries=0)  # read a second at a time, to look at the stop
    assert time.monotonic() - started >= 2.4


def test_a_proxy_named_without_scheme_is_used_and_a_socks_one_is_refused_never_bypassed(monkeypatch):
    from digest.demo.http_server import LocalHttpServer, Route

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with LocalHttpServer({"/daily": Route(b"[]")}) as proxy:
        monkeypatch.setenv("http_proxy", proxy.url("").removeprefix("http://"))  # 127.0.0.1:PORT
        with Http(sleep=lambda s: None) as client:
            assert client.get("http://papers.invalid/daily").body == b"[]"
        monkeypatch.delenv("http_proxy")
        monkeypatch.setenv("ALL_PROXY", proxy.url("").replace("http://", "socks5h://"))
        with Http(sleep=lambda s: None) as client, pytest.raises(FetchError) as err:
            client.get(proxy.url("/daily"), retries=0)  # reachable directly: still not fetched so
    assert "the proxy refused: the environment names a socks5h proxy" in str(err.value)
    assert [r.path for r in proxy.requests] == ["http://papers.invalid/daily"]


def test_a_proxy_that_refuses_the_tunnel_is_a_failed_fetch_that_says_so(monkeypatch):
    import socket
    import threading

    refusing = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = refusing.accept()
        with conn:
            conn.recv(65536)  # CONNECT papers.invalid:443
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{refusing.getsockname()[1]}")
    try:
        with Http(sleep=lambda s: None) as client, pytest.raises(FetchError) as err:
            client.get("https://papers.invalid/daily", retries=0)
    finally:
        refusing.close()
    assert "the proxy refused: 407 Proxy Authentication Required" in str(err.value)


@pytest.mark.parametrize("retries", [0, 2])
def test_a_long_retry_after_is_kept_with_the_failure_whichever_attempt_gets_it(retries):
    from digest.demo.http_server import LocalHttpServer, Route

    route = Route(b"busy", status=429, headers={"Retry-After": "3600"})
    with (
        LocalHttpServer({"/daily": route}) as server,
        Http(sleep=lambda s: None) as client,
        pytest.raises(FetchError) as err,
    ):
        client.get(server.url("/daily"), retries=retries)
    assert err.value.retry_after == 3600  # the daemon asks again in an hour, not in 15 minutes


def test_giving_up_on_our_own_backoff_does_not_say_the_server_asked_to_wait():
    """Http's doubling waits pass max_wait (120 s) at the 7th try of a source that answers 503 with no
    Retry-After: that is our wait, not the server's; a Retry-After that long is the server's."""
    from digest.demo.http_server import LocalHttpServer, Route

    routes = {
        "/busy": Route(b"busy", status=503),
        "/later": Route(b"x", status=503, headers={"Retry-After": "600"}),
    }
    with LocalHttpServer(routes) as server, Http(sleep=lambda s: None) as client:
        with pytest.raises(FetchError) as ours:
            client.get(server.url("/busy"), retries=10)
        with pytest.raises(FetchError) as theirs:
            client.get(server.url("/later"), retries=3)
    said = str(ours.value)
    assert "the server asks" not in said, said
    assert (
        "HTTP 503 Service Unavailable (after 7 attempts); not tried again: the next wait (128 s)" in said
    ), said
    assert "would pass the 120 s a fetch waits at most" in said and ours.value.retry_after is None, said
    said = str(theirs.value)
    assert "(after 1 attempt); the server asks to wait 600 s (Retry-After), longer than we wait" in said, said
