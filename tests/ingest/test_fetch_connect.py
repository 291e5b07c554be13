"""Connecting, on loopback: HTTPS that works (a certificate of our own, trusted through
SSL_CERT_FILE), and a connect or TLS handshake that hangs, which a stop (SIGTERM) ends within a
second or so and the source's timeout ends otherwise."""

from __future__ import annotations

import contextlib
import os
import resource
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.http import FetchError, FetchStopped, Http


@contextmanager
def silent_server() -> Iterator[tuple[int, list[int]]]:
    """Takes TCP connections and never says a word (a TLS hello is never answered); yields its
    port and a list counting the connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    done, taken, held = threading.Event(), [], []

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            held.append(conn)
            taken.append(1)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], taken
    finally:
        done.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


@contextmanager
def full_backlog() -> Iterator[int]:
    """A port whose connects hang: a listener that never accepts, its queue filled by one
    connection (a SYN to a full queue is dropped, as to a host that is down)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname(), timeout=2)
    try:
        yield listener.getsockname()[1]
    finally:
        filler.close()
        listener.close()


def stopped_when(stuck: Callable[[], bool]) -> tuple[threading.Event, list[float]]:
    """A stop (SIGTERM, as the daemon takes it) set once ``stuck`` holds: the fetch hangs where
    the test means it to (a condition polled, not a time waited: a stop set by a timer may come
    before the fetch even starts on a busy machine); when it was set, in the list."""
    stop, at = threading.Event(), []

    def watch() -> None:
        for _ in range(30000):  # the bound only ends a hang
            if stuck():
                at.append(time.monotonic())
                stop.set()
                return
            time.sleep(0.01)

    threading.Thread(target=watch, daemon=True).start()
    return stop, at


def connecting_to(port: int) -> bool:
    """Does a connection to 127.0.0.1:``port`` wait for its SYN's answer (SYN_SENT, /proc/net/tcp)?"""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return any(row[2] == f"0100007F:{port:04X}" and row[3] == "02" for row in rows)


def test_https_documents_are_fetched_one_after_the_other(trusted):
    routes = {"/daily": Route(b"[]"), "/again": Route(b'{"a": 1}' * 50_000)}  # 400 KB: many TLS records
    with (
        LocalHttpServer(routes, tls=trusted) as server,
        Http(sleep=lambda s: None, stop=threading.Event()) as client,
    ):
        assert client.get(server.url("/daily")).body == b"[]"
        assert client.get(server.url("/again")).body == b'{"a": 1}' * 50_000
    assert [r.path for r in server.requests] == ["/daily", "/again"]


def test_a_certificate_not_trusted_is_a_failed_connect_that_says_why(certificate, trusted, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")  # the public CAs only: our certificate is nobody's
    with (
        LocalHttpServer({"/daily": Route(b"[]")}, tls=trusted) as server,
        Http(sleep=lambda s: None) as client,
        pytest.raises(FetchError) as err,
    ):
        client.get(server.url("/daily"), retries=0)
    assert "cannot connect: " in str(err.value) and "CERTIFICATE_VERIFY_FAILED" in str(err.value)


def test_a_stop_ends_a_tls_handshake_the_server_never_answers():
    with silent_server() as (port, taken):
        stop, stopped_at = stopped_when(lambda: taken == [1])  # the hello sent, never answered
        with Http(stop=stop) as client, pytest.raises(FetchStopped):
            client.get(f"https://127.0.0.1:{port}/daily")  # the default timeout: 30 s
        took = time.monotonic() - stopped_at[0]
    assert took < 10 and taken == [1]  # the stop ended it, not the timeout


def test_a_tls_handshake_never_answered_times_out_at_the_sources_timeout():
    with silent_server() as (port, _), Http(sleep=lambda s: None, stop=threading.Event()) as client:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no answer within 1.5 s \(timed out\) \(after 1 attempt\)"):
            client.get(f"https://127.0.0.1:{port}/daily", timeout=1.5, retries=0)
    assert 1.4 <= time.monotonic() - started < 3.5


def test_a_stop_ends_a_connect_that_hangs():
    with full_backlog() as port:
        stop, stopped_at = stopped_when(lambda: connecting_to(port))
        with Http(stop=stop) as client, pytest.raises(FetchStopped):
            client.get(f"http://127.0.0.1:{port}/daily")  # the default timeout: 30 s
        took = time.monotonic() - stopped_at[0]
    assert took < 10  # the stop ended it, not the timeout


def test_a_connect_that_hangs_times_out_at_the_sources_timeout_and_is_retried():
    with full_backlog() as port, Http(sleep=lambda s: None, stop=threading.Event()) as client:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no answer within 1.2 s \(timed out\) \(after 2 attempts\)"):
            client.get(f"http://127.0.0.1:{port}/daily", timeout=1.2, retries=1)
    assert 2.3 <= time.monotonic() - started < 5


def test_a_refused_connect_fails_at_once():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with Http(sleep=lambda s: None) as client, pytest.raises(FetchError) as err:
        client.get(f"http://127.0.0.1:{port}/daily", retries=0)
    assert str(err.value).endswith("/daily: cannot connect: [Errno 111] Connection refused (after 1 attempt)")


def test_https_through_an_https_proxy_is_tls_in_tls(trusted, monkeypatch):
    """The proxy's TLS, then the site's inside the tunnel: both run by our TLS over our stream."""
    listener = socket.create_server(("127.0.0.1", 0))
    tunnels: list[bytes] = []

    def relay(a: socket.socket, b: socket.socket) -> None:
        while chunks := select.select([a, b], [], [], 5)[0]:
            for side in chunks:
                data = side.recv(65536)
                if not data:
                    return
                (b if side is a else a).sendall(data)

    def proxy() -> None:
        raw, _ = listener.accept()
        with trusted.wrap_socket(raw, server_side=True) as conn:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            tunnels.append(head.split(b"\r\n")[0])
            host, port = head.split()[1].decode().rsplit(":", 1)
            with socket.create_connection((host, int(port))) as site:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                relay(conn, site)

    thread = threading.Thread(target=proxy, daemon=True)
    thread.start()
    with LocalHttpServer({"/daily": Route(b"[1, 2]")}, tls=trusted) as site:
        monkeypatch.setenv("HTTPS_PROXY", f"https://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        with Http(sleep=lambda s: None, stop=threading.Event()) as client:
            assert client.get(site.url("/daily"), retries=0, timeout=5).body == b"[1, 2]"
    thread.join(timeout=10)
    listener.close()
    assert tunnels == [f"CONNECT 127.0.0.1:{site.port} HTTP/1.1".encode()]


@pytest.fixture
def many_files_open() -> Iterator[None]:
    """Over 1,024 descriptors open (a daemon that holds many files): new sockets get numbers
    past what ``select()`` takes."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1300:
        pytest.skip(f"only {soft} open files allowed")
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        yield
    finally:
        for fd in held:
            os.close(fd)


def kept_alive(listener: socket.socket, connections: list[int]) -> None:
    """Answers every request on a connection until the client closes it (HTTP/1.1 keep-alive)."""
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        connections.append(1)
        with conn:
            while conn.recv(65536):  # a request (each comes in one piece here)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")


def stop_listening(listener: socket.socket, thread: threading.Thread) -> None:
    """End a server thread waiting in accept() (a close from another thread does not wake it;
    a thread left running would make later tests' forks unsafe)."""
    listener.shutdown(socket.SHUT_RDWR)
    thread.join(timeout=5)
    listener.close()
    assert not thread.is_alive()


def test_a_fetch_works_with_over_a_thousand_files_open(trusted, many_files_open):
    listener, connections = socket.create_server(("127.0.0.1", 0)), []
    server = threading.Thread(target=kept_alive, args=(listener, connections), daemon=True)
    server.start()
    with (
        LocalHttpServer({"/daily": Route(b"[]")}, tls=trusted) as secure,
        Http(sleep=lambda s: None, stop=threading.Event()) as client,
    ):
        assert client.get(secure.url("/daily"), retries=0).body == b"[]"
        for _ in range(2):  # the idle connection looked at, and used again
            assert client.get(f"http://127.0.0.1:{listener.getsockname()[1]}/", retries=0).body == b"[]"
    stop_listening(listener, server)
    assert connections == [1]


def answer_then_close(listener: socket.socket, context: ssl.SSLContext, served: list[bytes]) -> None:
    """Each connection: one answer, kept alive by its headers, then the server's close_notify
    in the same write (a server that ends the connection right after an answer)."""
    while True:
        try:
            raw, _ = listener.accept()
        except OSError:
            return
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)

        def pump(step, raw=raw, incoming=incoming, outgoing=outgoing):
            while True:
                try:
                    return step()
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    incoming.write(raw.recv(65536) or b"")

        with raw:
            pump(tls.do_handshake)
            request = b""
            while b"\r\n\r\n" not in request:
                request += pump(lambda tls=tls: tls.read(65536))
            served.append(request.split(b"\r\n")[0])
            tls.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
            with contextlib.suppress(ssl.SSLWantReadError):
                tls.unwrap()  # close_notify written; the client's is not waited for
            raw.sendall(outgoing.read())


def test_a_connection_the_server_closed_right_after_its_answer_is_not_used_again(trusted):
    """The close_notify came in with the answer (read into our TLS buffer, not left in the
    socket): the next request takes a new connection, not the closed one."""
    listener = socket.create_server(("127.0.0.1", 0))
    served: list[bytes] = []
    server = threading.Thread(target=answer_then_close, args=(listener, trusted, served), daemon=True)
    server.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}"
    with Http(sleep=lambda s: None, stop=threading.Event()) as client:
        for n in range(3):
            assert client.get(f"{url}/{n}", retries=0).body == b"[]"
    stop_listening(listener, server)
    assert served == [f"GET /{n} HTTP/1.1".encode() for n in range(3)]


def test_a_refused_certificate_is_told_to_the_server_by_an_alert(certificate, trusted, monkeypatch):
    """Its log says why the client left ('unknown ca'), not that it hung up mid-handshake."""
    monkeypatch.delenv("SSL_CERT_FILE")
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[str] = []

    def handshake() -> None:
        raw, _ = listener.accept()
        with raw:
            try:
                trusted.wrap_socket(raw, server_side=True).close()
            except ssl.SSLError as e:
                seen.append(e.reason or str(e))

    thread = threading.Thread(target=handshake, daemon=True)
    thread.start()
    with Http(sleep=lambda s: None) as client, pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        client.get(f"https://127.0.0.1:{listener.getsockname()[1]}/daily", retries=0)
    thread.join(timeout=5)
    listener.close()
    assert seen == ["TLSV1_ALERT_UNKNOWN_CA"]
