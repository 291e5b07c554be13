"""An answer over TLS whose end is the connection's end (no Content-Length, no chunks) is whole
only if the server said so with TLS's close_notify: a connection that simply ends cut the answer
short (a trending page cut at a line break reads as a shorter day). On loopback, a server of
ours that ends its answer either way."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest

from digest.config import load_config
from digest.ingest.fetch import FAILED, LISTING
from digest.ingest.fetch_all import fetch_all
from digest.ingest.http import Http
from digest.store import Store

from conftest import make_dump

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
PAPERS = [
    ("Invented Title One", "An invented abstract about sparse probes, written for this test."),
    ("Invented Title Two", "Another invented abstract, about quiet adapters."),
    ("Invented Title Three", "A third invented abstract, about spiking networks."),
]
PAGE = make_dump("Nov 30", PAPERS).encode()
CUT = PAGE[: PAGE.index(b"Invented Title Three")]  # at a line break: two whole papers


def serve(listener: socket.socket, context: ssl.SSLContext, answer: bytes, close_notify: bool) -> None:
    """Each connection: the request read, ``answer`` written, then the connection ended, with
    the server's close_notify first or without it (the TCP connection simply closed). A client
    that leaves before its request is let go (the server waits for the next one)."""
    while True:
        try:
            raw, _ = listener.accept()
        except OSError:
            return
        with raw, contextlib.suppress(OSError, ssl.SSLError):
            answer_one(raw, context, answer, close_notify)


def answer_one(raw: socket.socket, context: ssl.SSLContext, answer: bytes, close_notify: bool) -> None:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_side=True)

    def pump(step):
        while True:
            try:
                return step()
            except ssl.SSLWantReadError:
                raw.sendall(outgoing.read())
                data = raw.recv(65536)
                if not data:  # the client left: no more will come (read on, this would spin)
                    raise ConnectionError("the client closed the connection") from None
                incoming.write(data)

    pump(tls.do_handshake)
    request = b""
    while b"\r\n\r\n" not in request:
        request += pump(lambda: tls.read(65536))
    tls.write(answer)
    if close_notify:
        with contextlib.suppress(ssl.SSLWantReadError):
            tls.unwrap()  # close_notify written; the client's is not waited for
    raw.sendall(outgoing.read())


@contextlib.contextmanager
def tls_server(context: ssl.SSLContext, answer: bytes, close_notify: bool) -> Iterator[str]:
    """The base URL of a server that answers every request with ``answer``; its thread joined
    at the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=serve, args=(listener, context, answer, close_notify), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (a close from here does not)
        thread.join(timeout=5)
        listener.close()
        assert not thread.is_alive()


def fetch(workspace, base: str):
    source = f"sources:\n  - kind: url\n    name: trending\n    url: {base}/trending\n    retries: 0\n"
    workspace.config_path.write_text(workspace.config_path.read_text() + source)
    config = load_config(workspace.config_path)
    with Store(config.database) as store, Http(sleep=lambda s: None, stop=threading.Event()) as http:
        (outcome,) = fetch_all(config, store, http, NOW)
        return outcome, [p.title for p in store.papers()]


CLOSE_DELIMITED = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"


def test_the_test_server_lets_a_client_that_leaves_early_go(trusted):
    """It read on a closed connection for ever (its thread never joined)."""
    with tls_server(trusted, CLOSE_DELIMITED + PAGE, close_notify=True) as base:
        socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))).close()  # before its hello


def test_a_page_ended_by_close_notify_is_whole(workspace, trusted):
    with tls_server(trusted, CLOSE_DELIMITED + PAGE, close_notify=True) as base:
        outcome, titles = fetch(workspace, base)
    assert outcome.outcome == LISTING and len(titles) == 3


def test_a_page_whose_connection_ends_without_close_notify_is_refused_as_cut_short(workspace, trusted):
    """It was stored as a day of two papers (the cut fell at a line break: a well-formed page)."""
    with tls_server(trusted, CLOSE_DELIMITED + CUT, close_notify=False) as base:
        outcome, titles = fetch(workspace, base)
    assert outcome.outcome == FAILED and titles == []
    assert outcome.detail.endswith(
        "/trending: the connection broke: the server ended the connection without TLS's close_notify: "
        "the answer may be cut short (after 1 attempt)"
    )
    assert list((workspace.root / "inbox").glob("**/*.txt")) == []  # nothing kept: asked again next poll


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_page_of_known_length_needs_no_close_notify(workspace, trusted, framing):
    """Its length says where it ends: many servers close without close_notify after it."""
    if framing == "length":
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(PAGE)}\r\n\r\n"
        answer = head.encode() + PAGE
    else:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        answer = head + f"{len(PAGE):x}\r\n".encode() + PAGE + b"\r\n0\r\n\r\n"
    with tls_server(trusted, answer, close_notify=False) as base:
        outcome, titles = fetch(workspace, base)
    assert outcome.outcome == LISTING and len(titles) == 3
