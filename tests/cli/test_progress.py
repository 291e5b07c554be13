"""Long work shows a progress bar in a terminal, and one log line per event in a pipe."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
from pathlib import Path

from helpers.fetch_sources import daily_papers_api
from helpers.terminal import digest, in_a_terminal

from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database

FIXTURES = Path(__file__).parent.parent / "ingest" / "fixtures"

READERS = 25
BAR = "━"  # what rich draws the bar with


def setup(ws: Workspace) -> None:
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    for i in range(READERS):
        ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [neuromorphic]\n")


def test_send_in_a_terminal_shows_a_bar_with_count_and_rate(mail_workspace, smtp_server):
    setup(mail_workspace)
    out = in_a_terminal(digest(mail_workspace, "ingest"))
    assert "ingesting" in out and "1/1" in out
    out = in_a_terminal(digest(mail_workspace, "send"))
    assert BAR in out and "sending" in out and f"{READERS}/{READERS}" in out
    assert len(smtp_server.handler.messages) == READERS


def test_quiet_in_a_terminal_shows_no_bar(mail_workspace, smtp_server):
    setup(mail_workspace)
    in_a_terminal(digest(mail_workspace, "-q", "ingest"))
    out = in_a_terminal(digest(mail_workspace, "-q", "send"))
    assert BAR not in out and "sending" not in out
    assert len(smtp_server.handler.messages) == READERS


def test_send_in_a_pipe_logs_one_line_per_message_and_draws_nothing(mail_workspace, smtp_server):
    setup(mail_workspace)
    subprocess.run(digest(mail_workspace, "ingest"), check=True, capture_output=True)
    result = subprocess.run(digest(mail_workspace, "-v", "send"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert BAR not in result.stderr + result.stdout and "\r" not in result.stderr
    sent_lines = [line for line in result.stderr.splitlines() if "digest sent to" in line]
    assert len(sent_lines) == READERS
    assert len(smtp_server.handler.messages) == READERS


def with_sources(ws: Workspace, server: LocalHttpServer) -> None:
    base = server.url("")
    ws.config_path.write_text(
        ws.config_path.read_text()
        + "sources:\n"
        + f"  - kind: hf_daily\n    url: {base}/api/daily_papers?date={{date}}\n"
        + f"  - kind: arxiv_listing\n    categories: [cs.LG]\n    url: {base}/rss/{{categories}}\n"
    )


def listing_server() -> LocalHttpServer:
    return LocalHttpServer(
        {
            "/api/daily_papers": daily_papers_api(),
            "/rss/cs.LG": Route(
                (FIXTURES / "arxiv_weekend.rss").read_bytes(), content_type="application/rss+xml"
            ),
        }
    )


def test_fetch_in_a_terminal_shows_a_bar_of_the_sources(workspace):
    with listing_server() as server:
        with_sources(workspace, server)
        out = in_a_terminal(digest(workspace, "fetch"))
    assert BAR in out and "fetching" in out and "2/2" in out
    assert "hf_daily: 3 papers" in out


def test_fetch_in_a_pipe_logs_one_line_per_source_and_draws_nothing(workspace):
    with listing_server() as server:
        with_sources(workspace, server)
        result = subprocess.run(digest(workspace, "-v", "fetch"), capture_output=True, text=True)
        quiet = in_a_terminal(digest(workspace, "-q", "fetch"))
    assert result.returncode == 0, result.stderr
    assert BAR not in result.stderr + result.stdout and "\r" not in result.stderr
    assert (
        len([line for line in result.stderr.splitlines() if "INFO digest.ingest.fetch: fetch " in line]) == 2
    )
    assert BAR not in quiet and "fetching" not in quiet  # -q in a terminal: no bar either


def migrated_workspace(ws: Workspace, shared_dumps: list[Path]) -> None:
    with Store(ws.config.database) as store:
        ingest(store, shared_dumps[:2], dt.datetime(2026, 3, 15, tzinfo=dt.UTC))


def test_migrate_in_a_terminal_shows_a_bar_of_the_rows_copied_then_of_the_papers_indexed(
    workspace, shared_dumps
):
    migrated_workspace(workspace, shared_dumps)
    with postgres_database() as url:
        out = in_a_terminal(digest(workspace, "db", "migrate", "--to", url))
    assert BAR in out and "copying" in out and "indexing" in out
    assert "every table's rows are there" in out


def test_migrate_in_a_pipe_logs_one_line_per_table_and_draws_nothing(workspace, shared_dumps):
    migrated_workspace(workspace, shared_dumps)
    with postgres_database() as url:
        result = subprocess.run(
            digest(workspace, "-v", "db", "migrate", "--to", url), capture_output=True, text=True
        )
    assert result.returncode == 0, result.stderr
    assert BAR not in result.stderr + result.stdout and "\r" not in result.stderr
    copied = [line for line in result.stderr.splitlines() if "INFO digest.dbcopy: copied " in line]
    assert "copied papers" in " ".join(copied) and len(copied) >= 5


def test_fetch_says_each_failed_try_that_another_follows(workspace):
    """Offline, `digest fetch` waited half a minute (four tries a source) without a word: each
    try that failed and is tried again is said on stderr as it happens (not with -q)."""
    with socket.create_server(("127.0.0.1", 0)) as taken:  # nothing listens there now: refused
        port = taken.getsockname()[1]
    with listing_server() as server:
        with_sources(workspace, server)
        workspace.config_path.write_text(
            workspace.config_path.read_text()
            + f"  - kind: url\n    name: feed\n    url: http://127.0.0.1:{port}/daily\n    retries: 2\n"
        )
        result = subprocess.run(digest(workspace, "fetch"), capture_output=True, text=True)
        quiet = subprocess.run(digest(workspace, "-q", "fetch"), capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [  # the sources that answer: nothing
        "feed: cannot connect: [Errno 111] Connection refused; trying again in 2 s (try 2 of 3)",
        "feed: the same again; trying again in 4 s (try 3 of 3)",
    ]
    assert "feed: failed: " in result.stdout and "Connection refused (after 3 attempts)" in result.stdout
    assert quiet.returncode == 1 and "trying again" not in quiet.stderr


def test_fetch_in_a_terminal_says_a_failed_try_on_a_line_of_its_own_above_the_bar(workspace):
    """In a terminal the retry line was written after the bar's text on the bar's own line
    ('fetching ━━━ 0/1 -:--:--feed: cannot connect: ...'), the bar then drawn again below:
    it goes through the bar's console now, which clears the bar's line first."""
    with socket.create_server(("127.0.0.1", 0)) as taken:  # nothing listens there now: refused
        port = taken.getsockname()[1]
    workspace.config_path.write_text(
        workspace.config_path.read_text()
        + f"sources:\n  - kind: url\n    name: feed\n    url: http://127.0.0.1:{port}/daily\n    retries: 1\n"
    )
    out = in_a_terminal(digest(workspace, "fetch"), status=1)
    assert BAR in out and "fetching" in out
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)  # each line as it stays: after its last \r
    said = [line.rstrip("\r").split("\r")[-1] for line in plain.split("\n") if "trying again" in line]
    assert said == ["feed: cannot connect: [Errno 111] Connection refused; trying again in 2 s (try 2 of 2)"]
