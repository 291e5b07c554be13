"""A body in ``Content-Encoding: deflate`` comes as zlib's format or, from some servers, as raw
deflate without zlib's two-byte header; either one arriving a byte at a time (one HTTP chunk per
byte, from a loopback server) unpacks to the document sent, as it does in larger pieces."""

from __future__ import annotations

import gzip
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from digest.ingest.http import Http

DOCUMENT = b"".join(
    b"<item><title>Gardens %d</title><description>Routing %d.</description></item>\n" % (i, i * i)
    for i in range(300)
)


def packed(coding: str) -> bytes:
    if coding == "gzip":
        return gzip.compress(DOCUMENT)
    wrapped = zlib.compressobj(
        6, zlib.DEFLATED, -zlib.MAX_WBITS if coding == "raw deflate" else zlib.MAX_WBITS
    )
    return wrapped.compress(DOCUMENT) + wrapped.flush()


@contextmanager
def byte_by_byte(body: bytes, coding: str) -> Iterator[str]:
    """A server answering every request (Http tries an undecodable body twice) with ``body``, each
    byte its own chunk (Transfer-Encoding: chunked)."""
    listener = socket.create_server(("127.0.0.1", 0))
    chunked = b"".join(b"1\r\n" + body[i : i + 1] + b"\r\n" for i in range(len(body))) + b"0\r\n\r\n"

    def answer() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536)
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: {coding}\r\n"
                )
                conn.sendall(head.encode() + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                conn.sendall(chunked)

    server = threading.Thread(target=answer, daemon=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/rss"
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept
        listener.close()


@pytest.mark.parametrize("coding", ["raw deflate", "zlib deflate", "gzip"])
def test_a_compressed_body_sent_a_byte_at_a_time_unpacks_to_the_document(coding):
    header = "gzip" if coding == "gzip" else "deflate"
    with byte_by_byte(packed(coding), header) as url, Http(sleep=lambda s: None) as http:
        assert http.get(url).body == DOCUMENT


def test_a_body_sent_a_byte_at_a_time_is_held_in_about_its_own_size():
    # what came may stand whole in the HTTP client's buffer (six bytes a byte, with the chunks'
    # sizes and line ends), but not as a Python object per byte (a hundred bytes and more each)
    document = bytes(range(256)) * 200  # 51,200 bytes
    with byte_by_byte(document, "identity") as url, Http(sleep=lambda s: None) as http:
        tracemalloc.start()
        try:
            body = http.get(url).body
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert body == document
    assert peak < 10 * len(document), f"{peak:,} bytes held at the peak for a body of {len(document):,}"
