"""The tests' slow PostgreSQL proxy (helpers/slow_proxy.py), closed, stops listening at once: its
accept thread has ended when close() returns. (Before, close() closed the listener under the
thread's accept(), which went on waiting: a thread left running for every proxy of the session,
on a descriptor number the next socket opened may take.) A connection it passed on is cut both
ways when it closes, its threads ended too (before, close() closed the sockets under the threads'
recv(), which went on waiting: the connection stayed open, to the client and to the server)."""

from __future__ import annotations

import os
import resource
import socket
import threading

import pytest
from helpers.slow_proxy import slow_proxy


def test_a_closed_proxy_has_stopped_accepting_when_close_returns():
    before = set(threading.enumerate())
    with slow_proxy(None, hang_up=True) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port)) as client:
            assert client.recv(1) == b""  # hung up on: its thread has taken it and waits for the next
        assert proxy.connections == 1
        assert [t.name.split()[-1] for t in started(before)] == ["(_serve)"]  # its accept thread
    assert started(before) == []


def test_a_connection_passed_on_is_cut_both_ways_when_the_proxy_closes():
    with socket.create_server(("127.0.0.1", 0)) as upstream:  # a server that never hangs up itself
        before = set(threading.enumerate())
        with slow_proxy(0.0, upstream.getsockname()) as proxy:
            client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
            upstream.settimeout(5)
            server, _ = upstream.accept()
            server.settimeout(5)
            client.sendall(b"ping")
            assert server.recv(4) == b"ping"  # passed on, both ways
            server.sendall(b"pong")
            assert client.recv(4) == b"pong"
        with client, server:
            assert client.recv(1) == b""  # was: TimeoutError, the connection still open
            assert server.recv(1) == b""
        assert started(before) == []  # was: its _pass_on and _pump threads, still in recv()


def started(before: set[threading.Thread]) -> list[threading.Thread]:
    """The threads running now that were not in ``before``."""
    return [t for t in threading.enumerate() if t not in before]


def test_a_proxy_made_once_the_process_has_over_a_thousand_descriptors_open_still_accepts():
    """A long test session may hold many descriptors; select() takes none numbered 1024 or more
    (FD_SETSIZE): the accepting thread waited on it died of "filedescriptor out of range in
    select()", and every connection to the proxy went unanswered (the PostgreSQL tests through it
    timed out, saying nothing of why)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"at most {hard} descriptors open at once here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    with open(os.devnull) as null:
        spare = []
        try:
            while not spare or spare[-1] < 1100:  # the proxy's sockets numbered past 1024
                spare.append(os.dup(null.fileno()))
            with slow_proxy(None, hang_up=True) as proxy:
                assert proxy.listener.fileno() >= 1024
                with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
                    assert client.recv(1) == b""  # was: TimeoutError, never taken
                assert proxy.connections == 1
        finally:
            for fd in spare:
                os.close(fd)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
