"""A bug met reading the inbox (or fetching the sources) does not fail the daemon's pass: the
mail goes on. It is said as the pass's own troubles are: its traceback once, to be reported, then
one line an hour while it happens again at every poll, not a line at every poll; each daemon
keeps its own account of the bugs it said."""

from __future__ import annotations

import datetime as dt
import logging

from polled import START, Polled

import digest.ingest.dumps as dumps

from conftest import Workspace, make_dump

MISSING = "/usr/share/digest/sample.txt"


def reader_bug(*args, **kwargs):  # a bug in the dump reader (none can be written on purpose)
    raise FileNotFoundError(2, "No such file or directory", MISSING)


def inbox_bugs(caplog) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.getMessage().startswith("reading the inbox")
    ]


def daemon_with_a_dump(root) -> Polled:
    """A daemon whose inbox holds a dump (and which has no mail to send), polled from START."""
    ws = Workspace(root)
    dump = make_dump("Mar 14", [("Neuromorphic Chips", "Spikes on silicon.")])
    ws.dump("2026-03-14.txt", dump, mtime=START - dt.timedelta(hours=1))
    return Polled(ws.config, sender_factory=lambda config: None)


def test_a_bug_reading_the_inbox_at_every_poll_is_said_once_then_hourly(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(dumps, "read_listing", reader_bug)
    polled = daemon_with_a_dump(tmp_path)
    polled.polls(12)  # a minute at poll_seconds 5: the dump stays in the inbox, the bug at each poll
    said = inbox_bugs(caplog)
    assert len(said) == 1, f"{len(said)} lines in 12 polls: {[r.getMessage()[:90] for r in said]}"
    assert said[0].exc_info is not None and said[0].exc_info[0] is FileNotFoundError  # to report
    assert "then one line an hour while it happens again" in said[0].getMessage()
    polled.an_hour_later()
    again = inbox_bugs(caplog)[-1]
    assert again.exc_info is None
    assert again.getMessage() == (
        "reading the inbox failed again on the unforeseen error FileNotFoundError: [Errno 2] No such "
        f"file or directory: '{MISSING}' (12 times since its traceback was logged at 2026-03-16 07:00:00 "
        "UTC); the digests of what is stored go on"
    )


def test_each_daemon_says_the_bugs_it_meets_with_their_traceback(tmp_path, caplog, monkeypatch):
    """Two daemons in one process (tests, an embedding application): the second's first meeting
    of a bug gets its traceback too, not "again" of a traceback the other logged."""
    monkeypatch.setattr(dumps, "read_listing", reader_bug)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    daemon_with_a_dump(tmp_path / "one").polls(1)
    daemon_with_a_dump(tmp_path / "two").polls(1)
    first, second = inbox_bugs(caplog)
    assert first.exc_info is not None
    assert second.exc_info is not None, second.getMessage()
