"""A source whose fetch failed a moment before (`digest fetch`, or the daemon's pass), waiting to be
tried again, is not fetched by the next command: the digests it makes go without it. `digest send`
says so (tests/daemon/test_send_after_failed_fetch.py); so do `send --dry-run`, which promises what would
be sent, and `run --once`, in the same words, in the pass that makes the digests: once, not at
every cron run after. Before, both said nothing: the dry run listed the digests as if whole, and
the pass queued them without a word. Real SQLite, a real loopback port nobody listens on for the
source, a real aiosmtpd for the mail."""

from __future__ import annotations

import datetime as dt

from digest.demo.smtp_server import free_port

from conftest import Workspace, make_dump

WITHOUT = "feed: not fetched, so these digests go without it: its fetch failed at "


def failed_a_moment_ago(ws: Workspace) -> None:
    """ada's digest due now (its send time a minute ago), a source fetched for it that failed."""
    port = free_port()  # kept, not listening: the fetch's connection is refused
    url = f"http://127.0.0.1:{port}/p.txt"
    source = f"sources:\n  - kind: url\n    name: feed\n    url: {url}\n    retries: 0\n"
    ws.config_path.write_text(ws.config_path.read_text() + source)
    send_at = f"{dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1):%H:%M}"
    ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
    assert ws.cli("fetch").exit_code == 1
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))


def test_send_dry_run_says_the_digests_would_go_without_it(mail_workspace):
    failed_a_moment_ago(mail_workspace)
    done = mail_workspace.cli("send", "--dry-run")
    assert done.exit_code == 0 and WITHOUT in done.stderr, done.output
    assert "cannot connect: [Errno 111] Connection refused" in done.stderr, done.stderr


def test_run_once_says_it_in_the_pass_that_makes_the_digests_only(mail_workspace, smtp_server):
    failed_a_moment_ago(mail_workspace)
    made = mail_workspace.cli("run", "--once")
    assert "digest for ada" in made.stdout and made.stderr.count(WITHOUT) == 1, made.output
    after = mail_workspace.cli("run", "--once")  # cron's next run: nothing made, nothing said again
    assert WITHOUT not in after.output, after.output
    assert len(smtp_server.messages) == 1
