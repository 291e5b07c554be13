"""A reader failing on a file in a way it did not foresee (a bug in digest) puts that file aside
and reads the others; its traceback is logged once, for a report, as the daemon logs its own
bugs (digest.bugs): the next file failing the same way is one line at -v, another bug its own
traceback. It was logged at -v only, for every file."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from digest.bugs import SeenBugs
from digest.cli import main
from digest.ingest import dumps
from digest.ingest.dumps import ingest
from digest.ingest.sources import markup
from digest.store import Store

from conftest import make_dump

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
# 5,000 digits: json.loads raises ValueError (Python's limit on an int's digits), which no reader names
HUGE = '[{"paper": {"id": "2611.0000%d", "title": "T", "summary": "An abstract.", "upvotes": %s}}]'
RSS = (
    '<rss version="2.0"><channel><title>c</title><item><title>A &lt;b&gt;bold&lt;/b&gt; title</title>'
    "<description>An abstract.</description></item></channel></rss>"
)


def test_a_readers_bug_is_logged_with_its_traceback_once_and_the_other_files_are_read(
    workspace, monkeypatch, caplog
):
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    monkeypatch.setattr(dumps, "READER_BUGS", SeenBugs(), raising=False)  # no bug seen yet in this process
    inbox = workspace.root / "inbox"
    bad = [workspace.dump(f"huge-{n}.json", HUGE % (n, "9" * 5000)) for n in (1, 2, 3)]
    good = workspace.dump("day.txt", make_dump("Nov 29", [("Event Cameras", "Microsecond pixels.")]))
    with caplog.at_level(logging.INFO, logger="digest"), Store(workspace.config.database) as store:
        report = ingest(store, [*bad, good], NOW)
        assert len(store.papers()) == 1  # the good file after them, read
    assert [f.source for f in report.failures] == bad
    said = [r for r in caplog.records if "unforeseen error" in r.getMessage()]
    assert [(r.levelno, r.exc_info is not None) for r in said] == [
        (logging.ERROR, True),  # the first: the traceback, to report
        (logging.INFO, False),
        (logging.INFO, False),
    ]
    assert (
        "huge-1.json failed on an unforeseen error (a bug in digest: please report it" in said[0].getMessage()
    )
    assert (
        "huge-2.json failed again on the unforeseen error ValueError: Exceeds the limit"
        in said[1].getMessage()
    )

    def broken(text: str) -> str:  # another bug, in markup: stood in for (none can be written on purpose)
        raise KeyError("a bug in markup")

    monkeypatch.setattr(markup, "html_text", broken)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="digest"), Store(workspace.config.database) as store:
        feeds = [workspace.dump(f"feed-{n}.xml", RSS) for n in (1, 2)]
        report = ingest(store, feeds, NOW)
    assert len(report.failures) == 2 and inbox.joinpath("feed-1.xml").exists()
    said = [r for r in caplog.records if "unforeseen error" in r.getMessage()]
    assert [(r.levelno, r.exc_info is not None) for r in said] == [
        (logging.ERROR, True),
        (logging.INFO, False),
    ]
    assert said[0].exc_info[0] is KeyError


def test_the_line_said_again_escapes_the_files_name(workspace, monkeypatch, caplog):
    """A file named with a line break cannot forge a log line: the name is escaped in the line
    said each later time (as it is in the traceback's), not written as it is."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    monkeypatch.setattr(dumps, "READER_BUGS", SeenBugs(), raising=False)
    names = ["huge-1.json", "huge-2\nINFO digest: forged.json"]
    bad = [workspace.dump(name, HUGE % (n, "9" * 5000)) for n, name in enumerate(names)]
    with caplog.at_level(logging.INFO, logger="digest"), Store(workspace.config.database) as store:
        ingest(store, bad, NOW)
    said = [r.getMessage() for r in caplog.records if "unforeseen error" in r.getMessage()]
    assert len(said) == 2 and "huge-2\\nINFO digest: forged.json" in said[1]
    assert not any("\n" in message for message in said)


def digest_ingest(workspace, *args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    """`digest ingest` as a user runs it: its own process, stderr as the terminal shows it."""
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_DEBUG"} | (
        {"DIGEST_DEBUG": "1"} if debug else {}
    )
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "ingest", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize("debug", [False, True])
def test_digest_ingest_says_a_readers_bug_in_one_line_per_file_and_its_traceback_only_when_debugging(
    workspace, debug
):
    """`digest ingest` printed the traceback of a reader's bug on stderr (the daemon's log line,
    meant for a report), against the command line's rule: one clear line per file (which file,
    what failed, where it is kept, that the others were read), the traceback with DIGEST_DEBUG=1."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    for n in (1, 2):
        workspace.dump(f"huge-{n}.json", HUGE % (n, "9" * 5000))
    workspace.dump("day.txt", make_dump("Nov 29", [("Event Cameras", "Microsecond pixels.")]))
    done = digest_ingest(workspace, debug=debug)
    assert done.returncode == 1
    assert "1 entry: 1 new paper" in done.stdout  # the good dump, read
    failed = workspace.root / "inbox" / "failed"
    lines = [line for line in done.stderr.splitlines() if line.startswith("rejected: ")]
    assert len(lines) == 2
    for n, line in enumerate(lines, 1):
        dump = workspace.root / "inbox" / f"huge-{n}.json"
        assert line.startswith(f"rejected: {dump}: cannot be read as a dump: ValueError: Exceeds the limit")
        bug = (
            " (an error digest did not foresee: a bug, please report it; DIGEST_DEBUG=1 shows its traceback)"
        )
        assert bug in line and line.endswith(f"; kept in {failed / f'huge-{n}.json'}, the other dumps read")
    assert done.stderr.count("Traceback (most recent call last)") == (1 if debug else 0)
    if not debug:
        assert done.stderr.splitlines() == lines


def test_digest_ingest_of_named_files_says_a_readers_bug_left_the_file_where_it_is(workspace):
    """A file named alone: the line says where it is kept, and no "other dumps" read (it said
    so with none)."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    huge = workspace.dump("huge.json", HUGE % (1, "9" * 5000), where="elsewhere")
    done = digest_ingest(workspace, str(huge))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("rejected: ")]
    assert line.endswith(f"DIGEST_DEBUG=1 shows its traceback); kept in {huge}") and huge.exists()


def test_digest_ingest_says_a_readers_bug_with_a_line_break_in_its_message_on_one_line(
    workspace, monkeypatch
):
    """An unforeseen error's message is not ours: it may hold a line break (the text it choked
    on), and the one line per file became two, the second forged by the dump's text. The message
    is escaped, as in the daemon's log (files.printable)."""

    def broken(text: str) -> str:  # a bug in markup, stood in for
        raise ValueError("cannot take 'x\nrejected: all is well'")

    monkeypatch.setattr(markup, "html_text", broken)
    workspace.dump("feed.xml", RSS)
    env = {"DIGEST_CONFIG": str(workspace.config_path), "DIGEST_DEBUG": ""}
    result = CliRunner().invoke(main, ["ingest"], env=env)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "rejected" in line]
    assert line.startswith("rejected: ") and "ValueError: cannot take 'x\\nrejected: all is well'" in line
    note = workspace.root / "inbox" / "failed" / "feed.xml.error.txt"
    assert note.read_text().count("\n") == 1  # the reason kept beside the file: one line too


def test_digest_ingest_says_a_dump_refused_on_one_line_whatever_its_name(workspace):
    """A dump's name is the user's: one with a line break made the line for it two, the second
    reading as the command's own. It is escaped, as in the daemon's log."""
    bad = workspace.dump("day\nrejected: nothing.txt", "Mar 14\n\nA title alone\n", where="elsewhere")
    env = {"DIGEST_CONFIG": str(workspace.config_path), "DIGEST_DEBUG": ""}
    result = CliRunner().invoke(main, ["ingest", str(bad)], env=env)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "rejected" in line]
    assert line.startswith(f"rejected: {workspace.root}/elsewhere/day\\nrejected: nothing.txt:")


@pytest.mark.parametrize("debug", [False, True])
def test_digest_run_once_says_a_readers_bug_in_its_line_and_its_traceback_only_when_debugging(
    workspace, debug
):
    """`digest run --once` is a one-shot command: it logged a reader's bug's traceback (the
    daemon's path) whatever DIGEST_DEBUG said. Its report says the dump was rejected, and that
    it is a bug to report; the traceback only with DIGEST_DEBUG=1. The daemon's log keeps it."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    workspace.dump("huge-1.json", HUGE % (1, "9" * 5000))
    workspace.dump("day.txt", make_dump("Nov 29", [("Event Cameras", "Microsecond pixels.")]))
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_DEBUG"} | (
        {"DIGEST_DEBUG": "1"} if debug else {}
    )
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "run", "--once"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1, done.stderr  # the others were read; a dump refused: 1, as `ingest`
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("rejected: ")]  # as `ingest`
    assert ": cannot be read as a dump: ValueError: Exceeds the limit" in line
    kept = workspace.root / "inbox" / "failed" / "huge-1.json"  # said, as `digest ingest` says it
    assert line.endswith(
        " (an error digest did not foresee: a bug, please report it; DIGEST_DEBUG=1 shows its traceback)"
        f"; kept in {kept}, the other dumps read"  # as `digest ingest` says it
    )
    assert "day.txt: 2026-11-29, 1 entry: 1 new paper, 0 already known" in done.stdout
    assert done.stderr.count("Traceback (most recent call last)") == (1 if debug else 0)
    assert (workspace.root / "inbox" / "failed" / "huge-1.json").exists()


def test_the_daemons_pass_still_logs_a_readers_bug_with_its_traceback(workspace, monkeypatch, caplog):
    from digest.daemon.service import Daemon

    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    monkeypatch.setattr(dumps, "READER_BUGS", SeenBugs(), raising=False)
    workspace.dump("huge-1.json", HUGE % (1, "9" * 5000))
    daemon = Daemon(workspace.config, clock=lambda: dt.datetime.now(dt.UTC))  # the dump settled
    with caplog.at_level(logging.INFO, logger="digest"):
        daemon.tick()
    (said,) = [r for r in caplog.records if "unforeseen error" in r.getMessage()]
    assert said.levelno == logging.ERROR and said.exc_info is not None


@pytest.mark.parametrize("debug", [False, True])
def test_digest_demo_says_a_readers_bug_in_its_line_and_its_traceback_only_when_debugging(
    tmp_path, monkeypatch, caplog, debug
):
    """`digest demo` logged a reader's bug's traceback (the daemon's path), and said nothing of
    the sample it could not read. It says it in a line, a bug to report; the traceback with
    DIGEST_DEBUG=1 only."""
    real = dumps.read_dump

    def broken(path, **options):  # a bug in a reader on one sample, stood in for
        if path.name == "2026-03-03.txt":
            raise KeyError("a bug in the reader")
        return real(path, **options)

    monkeypatch.setattr(dumps, "read_dump", broken)
    monkeypatch.setattr(dumps, "READER_BUGS", SeenBugs(), raising=False)
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO, logger="digest"):
        result = CliRunner().invoke(main, ["demo"], env={"DIGEST_DEBUG": "1" if debug else ""})
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stderr.splitlines() if "2026-03-03.txt" in line]
    # as `digest ingest` says a dump of the inbox (before: "  rejected 2026-03-03.txt: ...")
    said = "  rejected: digest-demo/inbox/2026-03-03.txt: cannot be read as a dump: KeyError: 'a bug in the"
    assert line.startswith(said + " reader'"), line
    kept = "traceback); kept in digest-demo/inbox/failed/2026-03-03.txt, the other dumps read"
    assert line.endswith(kept), line
    assert len([r for r in caplog.records if r.exc_info]) == (1 if debug else 0)
    assert "delivered" in result.output  # the rest of the demo went on


def test_a_readers_bug_can_be_pickled_with_what_was_raised():
    """A forked process sends its results and errors back pickled (digest.forking); ReaderBug
    could not be read back: TypeError, its ``error`` missing."""
    import pickle

    from digest.errors import ReaderBug

    bug = pickle.loads(pickle.dumps(ReaderBug("huge.json: cannot be read as a dump", ValueError("x"))))
    assert isinstance(bug, ReaderBug) and str(bug) == "huge.json: cannot be read as a dump"
    assert isinstance(bug.error, ValueError) and bug.error.args == ("x",)


@pytest.mark.parametrize("debug", [False, True])
def test_digest_send_says_a_readers_bug_in_its_line_and_its_traceback_only_when_debugging(
    mail_workspace, smtp_server, debug
):
    """`digest send` takes in the inbox's dumps as a pass does, and printed a reader's bug's
    traceback (the daemon's path) whatever DIGEST_DEBUG said, unlike `ingest` and `run --once`:
    its line says the dump was rejected and that it is a bug to report; the traceback only with
    DIGEST_DEBUG=1."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    ws = mail_workspace
    ws.dump("huge-1.json", HUGE % (1, "9" * 5000))
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_DEBUG"} | (
        {"DIGEST_DEBUG": "1"} if debug else {}
    )
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1, done.stdout + done.stderr  # a dump refused: 1, as `ingest`
    assert done.stderr.count("Traceback (most recent call last)") == (1 if debug else 0), done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("rejected: ")]
    assert ": cannot be read as a dump: ValueError: Exceeds the limit" in line, line
    assert (
        " (an error digest did not foresee: a bug, please report it; DIGEST_DEBUG=1 shows its traceback)"
        in line
    )
    assert (ws.root / "inbox" / "failed" / "huge-1.json").exists()


def test_digest_send_says_a_readers_bug_in_a_source_it_fetched_first_as_digest_fetch_does(
    mail_workspace, smtp_server
):
    """A source due that `digest send` fetched first and a reader failed on: its traceback was
    printed (DIGEST_DEBUG unset); now its line says it is a bug to report, as `digest fetch`'s does."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    from helpers.fetch_sources import HF, configure

    from digest.demo.http_server import LocalHttpServer, Route

    ws = mail_workspace
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_DEBUG"}
    huge = Route((HUGE % (1, "9" * 5000)).encode())
    with LocalHttpServer({"/api/daily_papers": huge}) as server:
        configure(ws, server, HF)
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)  # hf_daily due for it (an hour ahead)
        ws.profile("cy", f'email: cy@example.org\ninterests: [spiking attention]\nsend_at: "{soon:%H:%M}"\n')
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert "Traceback (most recent call last)" not in done.stderr, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    said = [lines[i : i + 2] for i, line in enumerate(lines) if line.startswith("hf_daily: ")]
    assert len(said) == 1 and said[0][0].startswith("hf_daily: not fetched, so these digests go without it")
    assert "ValueError: Exceeds the limit" in said[0][1], done.stdout + done.stderr
    assert said[0][1].endswith(
        " (an error digest did not foresee: a bug, please report it; DIGEST_DEBUG=1 shows its traceback)"
    ), said[0]
