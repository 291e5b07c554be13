"""A server whose EHLO says a SIZE (RFC 1870) we cannot read, "SIZE ²" (a superscript, which
str.isdigit takes and int refuses) or "SIZE 10M", says no limit of ours to keep: the digest goes
as to a server without SIZE (a refusal of it, 552, would be said then). Before, `digest send`
said "not sent: an error in digest itself stopped it (please report it, with the traceback
logged); ...: internal error: ValueError: invalid literal for int() with base 10: '²'", and so on
every retry. Real `digest send`, a real raw loopback server (aiosmtpd says only its own number)."""

from __future__ import annotations

import pytest
from helpers.raw_smtp import raw_server

from conftest import Workspace, make_dump


@pytest.mark.parametrize("size", ["SIZE ²".encode("latin-1"), b"SIZE 10M", b"SIZE \xb9\xb2"])
def test_a_size_we_cannot_read_is_as_no_size_limit(tmp_path, size):
    with raw_server([size]) as server:
        ws = Workspace(tmp_path, server.port)
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        done = ws.cli("send")
    assert done.exit_code == 0, done.output
    assert "1 paper  sent" in done.output and "error" not in done.output, done.output
    assert len(server.messages) == 1
