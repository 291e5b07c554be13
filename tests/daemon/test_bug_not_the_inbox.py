"""A bug met while fetching the sources or reading the inbox is not the inbox's: `digest send`,
`run --once` and the daemon say it as a bug to report (not "inbox not used: ..." of a file the
bug named), and everybody's mail goes on."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

import digest.ingest.dumps as dumps
import digest.ingest.fetch as fetching
from digest.daemon.failures import TickFailures
from digest.daemon.tick import run_once
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.http import Http
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import make_dump

ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "06:30"\n'
NOW = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)  # ada due at 06:30
MISSING = "/usr/share/digest/sample.txt"
DUMP = make_dump("Mar 15", [("Neuromorphic Chips", "Spikes on silicon.")])


def reader_bug(*args, **kwargs):
    raise FileNotFoundError(2, "No such file or directory", MISSING)


@pytest.fixture
def fetching_ws(mail_workspace, monkeypatch):
    """ada due now, a dump of hers waiting in the inbox, and a source whose reader has a bug."""
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("day.txt", DUMP, mtime=NOW - dt.timedelta(hours=6))
    monkeypatch.setattr(fetching, "read_listing", reader_bug)
    with LocalHttpServer({"/listing.txt": Route(DUMP.encode())}) as web:
        text = ws.config_path.read_text() + f"sources:\n  - kind: url\n    url: {web.url('/listing.txt')}\n"
        ws.config_path.write_text(text)
        yield ws


@pytest.mark.parametrize("command", [("send",), ("run", "--once")])
def test_a_bug_in_a_fetch_is_said_as_a_bug_and_the_mail_goes_on(fetching_ws, smtp_server, command):
    done = fetching_ws.cli(*command)
    said = " ".join(done.output.split())
    assert f"error: {MISSING}: No such file or directory" not in said, said
    assert (
        "error: fetching the sources failed on an error digest did not foresee, FileNotFoundError: "
        f"[Errno 2] No such file or directory: '{MISSING}' (a bug, please report it; DIGEST_DEBUG=1 "
        "shows its traceback); the digests of what is stored go on"
    ) in said, said
    if command == ("send",):
        assert len(smtp_server.messages) == 1, said


def test_the_daemon_logs_a_bug_in_a_fetch_with_its_traceback_not_as_the_inbox(
    fetching_ws, smtp_server, caplog
):
    config, bugs = fetching_ws.config, TickFailures()  # the daemon's, as Daemon passes it
    with Store(config.database) as store, Http(sleep=lambda s: None) as http, caplog.at_level(logging.INFO):
        run_once(
            config, store, load_profiles(config), None, NOW - dt.timedelta(hours=2), http=http, bugs=bugs
        )
        report = run_once(config, store, load_profiles(config), None, NOW, http=http, bugs=bugs)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in logged if "inbox not used" in r.getMessage()], [r.getMessage() for r in logged]
    bug, again = logged  # its traceback once, then one line (two hours later: said again)
    assert bug.getMessage().startswith("fetching the sources failed on an unforeseen error")
    assert "please report it with this traceback" in bug.getMessage()
    assert bug.exc_info and bug.exc_info[0] is FileNotFoundError  # its traceback, to report
    assert "failed again on the unforeseen error FileNotFoundError" in again.getMessage()
    assert [o.ok for o in report.delivered] == [True] and len(smtp_server.messages) == 1


def test_a_bug_in_reading_the_inbox_is_said_as_a_bug_and_the_mail_goes_on(
    mail_workspace, smtp_server, monkeypatch
):
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("first.txt", DUMP, where="elsewhere")
    assert ws.cli("ingest", str(ws.root / "elsewhere" / "first.txt")).exit_code == 0
    ws.dump("day.txt", make_dump("Mar 16", [("Neuromorphic Again", "More spikes.")]))
    monkeypatch.setattr(dumps, "read_listing", reader_bug)
    done = ws.cli("send")
    said = " ".join(done.output.split())
    assert f"error: {MISSING}: No such file or directory" not in said, said
    assert "error: reading the inbox failed on an error digest did not foresee, FileNotFoundError" in said, (
        said
    )
    assert len(smtp_server.messages) == 1, said


def test_one_pass_says_a_bug_met_in_both_its_steps_with_one_traceback(mail_workspace, monkeypatch, caplog):
    """A pass run without a daemon's record (tick.run_once called by itself, as `digest send` and
    `run --once` hold one for the command) keeps one for the pass: the same bug met fetching the
    sources and again reading the inbox logs its traceback once, not once per step."""
    import digest.daemon.first as first

    ws = mail_workspace
    ws.profile("ada", ADA)
    monkeypatch.setattr(first, "fetch_due", reader_bug)  # both steps call it from the same line
    monkeypatch.setattr(first, "ingest_inbox", reader_bug)
    config = ws.config
    with Store(config.database) as store, caplog.at_level(logging.INFO):
        report = run_once(config, store, load_profiles(config), None, NOW)
    traced = [r.getMessage()[:60] for r in caplog.records if r.exc_info]
    assert len(traced) == 1, f"{len(traced)} tracebacks in one pass: {traced}"
    assert len(report.ingested.problems) == 2  # each step's problem still in the pass's report
