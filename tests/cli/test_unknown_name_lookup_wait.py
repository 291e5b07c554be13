"""A name without a profile file (a typo: `digest preview bax`) is looked up in the database, to
tell it from a renamed or removed reader's name. That look-up only adds to the error, so it waits
for a database that does not answer (its host dropping packets, a server hung: here a real TCP
listener that never answers) LOOKUP_WAIT seconds at most, not the connection's 30, and the error
says why it says nothing more. A server that refuses at once (stopped) is said at once too."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from digest.cli.renamed_user import LOOKUP_WAIT
from digest.demo.smtp_server import free_port

from conftest import Workspace

NOT_KNOWN = (
    "Did you mean 'bad'? (whether bax was a reader whose file was renamed or removed is not known: the "
    "database could not be read"
)
WAITED = f"{NOT_KNOWN} (this look-up waits {LOOKUP_WAIT} s at most): "


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port whose listeners take connections (the kernel's backlog) and never answer,
    on 127.0.0.1 and on 127.0.0.2."""
    port = free_port("127.0.0.1")
    with socket.socket() as listener, socket.socket() as other:
        for sock, address in ((listener, "127.0.0.1"), (other, "127.0.0.2")):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # free_port's way
            sock.bind((address, port))
            sock.listen(16)
        yield port


def workspace_at(tmp_path, url: str) -> Workspace:
    ws = Workspace(tmp_path, database=url)
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    return ws


@pytest.mark.parametrize("args", [("preview", "bax"), ("profile", "show", "bax"), ("rank", "bax")])
def test_a_mistyped_name_waits_for_a_silent_database_the_look_ups_time_at_most(tmp_path, silent_port, args):
    ws = workspace_at(tmp_path, f"postgresql://digest@127.0.0.1:{silent_port}/digest")
    started = time.monotonic()
    result = ws.cli(*args)
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert WAITED in result.output and "connection timeout expired" in result.output, result.output
    assert took < LOOKUP_WAIT + 10 < 30, took  # not the connection's 30 s


def test_a_database_refusing_at_once_is_said_at_once(tmp_path):
    ws = workspace_at(tmp_path, f"postgresql://digest@127.0.0.1:{free_port('127.0.0.1')}/digest")
    result = ws.cli("feedback", "bax", "1", "up")
    assert result.exit_code == 1, result.output
    assert f"{NOT_KNOWN}: " in result.output and "Connection refused" in result.output, result.output


def test_a_database_silent_on_two_addresses_is_waited_for_once(tmp_path, silent_port):
    url = f"postgresql://digest@/digest?host=127.0.0.1,127.0.0.2&port={silent_port}"
    ws = workspace_at(tmp_path, url)
    started = time.monotonic()
    result = ws.cli("rank", "bax")
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert WAITED in result.output and "connection timeout expired" in result.output, result.output
    assert took < 2 * LOOKUP_WAIT - 0.5, took  # not once per address (5 s each: 10 s in all)
