"""An inbox that cannot be used (gone, not a folder, not writable) does not fail the daemon's
pass: the mail goes on. The daemon's log says it as it says a pass's own trouble: when first met,
again an hour later while it lasts, not a line at every poll; and when the inbox is used again."""

from __future__ import annotations

import datetime as dt
import logging

from digest.daemon.failures import INBOX, TickFailures
from digest.daemon.first import inbox_step
from digest.daemon.service import Daemon
from digest.ingest.fetch import InboxNotWritten

from conftest import Workspace

NOW = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def inbox_said(caplog, level: int = logging.ERROR) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and "inbox" in r.getMessage()]


def test_a_gone_inbox_is_said_once_then_hourly_and_when_it_is_back(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    ws = Workspace(tmp_path)
    (tmp_path / "inbox").rmdir()  # unmounted, or removed by hand
    now = [NOW]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: None)
    for _ in range(12):  # a minute at poll_seconds 5
        daemon.tick()
        now[0] += dt.timedelta(seconds=5)
    said = inbox_said(caplog)
    assert len(said) == 1, f"{len(said)} lines in 12 polls: {[s[:90] for s in said]}"
    assert said[0].startswith(f"inbox not used: {tmp_path / 'inbox'}: the inbox folder does not exist")
    now[0] += dt.timedelta(hours=1)
    daemon.tick()
    assert inbox_said(caplog)[1:] == [said[0] + " (still, since 2026-03-16 07:00 UTC)"]

    (tmp_path / "inbox").mkdir()  # mounted again
    daemon.tick()
    daemon.tick()
    (back,) = [s for s in inbox_said(caplog, logging.INFO) if "again" in s]
    assert back.startswith("the inbox is used again (said above: ")
    (tmp_path / "inbox").rmdir()  # gone again, within the hour: said at once
    daemon.tick()
    assert len(inbox_said(caplog)) == 3


def test_a_fetch_with_nothing_to_write_does_not_say_the_inbox_is_used_again(tmp_path, caplog):
    """A read-only inbox refused a fetched document; the next polls fetch nothing (no source
    due): the inbox was not tried, so nothing says it is used again, and the refusal, met again
    within the hour, is not said again."""
    caplog.set_level(logging.INFO, logger="digest")
    config = Workspace(tmp_path).config
    failures = TickFailures()
    problems: list[str] = []

    def refused() -> list:
        raise InboxNotWritten(30, "Read-only file system", str(tmp_path / "inbox" / "a.txt"))

    for step in (refused, list, refused, list):
        inbox_step(config, problems, step, doing="fetching the sources", bugs=failures, now=NOW)
    assert len(inbox_said(caplog)) == 1, inbox_said(caplog)
    assert not [s for s in inbox_said(caplog, logging.INFO) if "again" in s], inbox_said(caplog, logging.INFO)


def test_the_inbox_not_used_is_said_in_the_same_words_by_the_daemon_and_by_a_command(tmp_path, caplog):
    """`digest send`'s step (``say=False``: the command says it in its own line, the log at DEBUG)
    logs an inbox that cannot be used in the words of the daemon's record (failures.INBOX), not a
    copy of them that could drift."""
    caplog.set_level(logging.DEBUG, logger="digest")
    config = Workspace(tmp_path).config

    def refused() -> list:
        raise InboxNotWritten(30, "Read-only file system", str(tmp_path / "inbox" / "a.txt"))

    inbox_step(config, [], refused, now=NOW, bugs=TickFailures())
    inbox_step(config, [], refused, now=NOW, bugs=TickFailures(), say=False)
    (daemons,), (commands,) = inbox_said(caplog), inbox_said(caplog, logging.DEBUG)
    assert commands == daemons == INBOX.format(f"{tmp_path / 'inbox' / 'a.txt'}: Read-only file system")
