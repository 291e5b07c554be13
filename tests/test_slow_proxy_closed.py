"""The tests' slow PostgreSQL proxy (helpers/slow_proxy.py), closed, stops listening at once: its
accept thread has ended when close() returns. (Before, close() closed the listener under the
thread's accept(), which went on waiting: a thread left running for every proxy of the session,
on a descriptor number the next socket opened may take.)"""

from __future__ import annotations

import socket
import threading

from helpers.slow_proxy import slow_proxy


def test_a_closed_proxy_has_stopped_accepting_when_close_returns():
    before = set(threading.enumerate())
    with slow_proxy(None, hang_up=True) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port)) as client:
            assert client.recv(1) == b""  # hung up on: its thread has taken it and waits for the next
        assert proxy.connections == 1
        assert [t.name.split()[-1] for t in started(before)] == ["(_serve)"]  # its accept thread
    assert started(before) == []


def started(before: set[threading.Thread]) -> list[threading.Thread]:
    """The threads running now that were not in ``before``."""
    return [t for t in threading.enumerate() if t not in before]
