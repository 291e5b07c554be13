"""A dump the daemon cannot read is put aside in the inbox's failed/; when the disk will not let it
go (inbox/failed a file, a read-only inbox), it stays in the inbox and is read again at every poll.
The daemon's log says so as it says a pass's own trouble: when first met, again an hour later
while it lasts, not two lines at every poll; and when none is stuck there any more (moved out, or
deleted by hand)."""

from __future__ import annotations

import datetime as dt
import logging

from digest.daemon.service import Daemon

from conftest import Workspace

NOW = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def said(caplog, words: str, level: int = logging.WARNING) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= level and words in r.getMessage()]


def test_a_dump_that_cannot_be_put_aside_is_said_once_then_hourly_and_when_it_is_moved(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    ws = Workspace(tmp_path)
    ws.dump("bad.txt", "not a listing of papers\n", mtime=NOW - dt.timedelta(minutes=5))
    (tmp_path / "inbox" / "failed").write_text("")  # a file where its folder would be
    now = [NOW]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: None)
    for _ in range(12):  # a minute at a poll of 5 s
        daemon.tick()
        now[0] += dt.timedelta(seconds=5)
    lines = said(caplog, "bad.txt")
    assert len(lines) == 2, f"{len(lines)} lines in 12 polls: {[s[:70] for s in lines]}"
    assert sorted(s.startswith("rejected: ") for s in lines) == [False, True], lines
    assert "cannot move it" in "".join(lines), lines
    now[0] += dt.timedelta(hours=1)
    daemon.tick()
    assert said(caplog, "bad.txt")[2:] == [s + " (still, since 2026-03-16 07:00 UTC)" for s in lines]

    (tmp_path / "inbox" / "failed").unlink()  # the way cleared
    daemon.tick()
    assert not (tmp_path / "inbox" / "bad.txt").exists()
    back = said(caplog, "stuck in the inbox", logging.INFO)  # each trouble said above: over
    assert back == [f"no dump is stuck in the inbox any more (said above: {s})" for s in lines]


def test_a_stuck_dump_deleted_by_hand_is_not_said_to_be_moved(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    ws = Workspace(tmp_path)
    ws.dump("bad.txt", "not a listing of papers\n", mtime=NOW - dt.timedelta(minutes=5))
    (tmp_path / "inbox" / "failed").write_text("")  # a file where its folder would be
    daemon = Daemon(ws.config, lambda: NOW, sender_factory=lambda config: None)
    daemon.tick()
    (tmp_path / "inbox" / "bad.txt").unlink()  # the user deletes it: nothing was moved
    daemon.tick()
    over = [r.getMessage() for r in caplog.records if "said above" in r.getMessage()]
    assert len(over) == 2, over
    assert not [line for line in over if "moved" in line.split(" (said above")[0]], over
    assert all(line.startswith("no dump is stuck in the inbox any more (said above: ") for line in over), over
