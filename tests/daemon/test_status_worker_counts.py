"""`digest status`'s line of a running worker counts what it holds as the other messages count."""

from __future__ import annotations

import dataclasses

from digest.daemon.claims import Worker
from digest.daemon.status import collect_status, format_status
from digest.db import wall_clock

from conftest import Workspace


def test_one_reader_and_one_message_held_are_said_in_the_singular(tmp_path):
    """A real `digest run` mid-send (its server slow to answer RCPT) was listed by `digest status`
    as "holds 0 readers, 1 messages"."""
    ws = Workspace(tmp_path)
    now = wall_clock()
    found = collect_status(ws.config, now)
    held = (Worker("db1:4242:0a1b2c3d", now, now, "in a pass", messages=1, readers=1),)
    said = format_status(dataclasses.replace(found, workers=held, server_now=now))
    assert "db1:4242:0a1b2c3d: last seen" in said
    assert "holds 1 reader, 1 message" in said, said
