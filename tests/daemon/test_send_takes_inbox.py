"""`digest send` takes in the dump waiting in the inbox first, as the daemon's pass does: a dry run
says the one it does not take in, a dump copied in a moment ago is waited for, one still written
after the wait is said left out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers.scheduled_days import EARLIER, MON_0700, PAPERS_1, PAPERS_2, tick, titles

from digest.daemon.sendnow import send_now
from digest.deliver.transports import SmtpSender
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL


def test_digest_send_takes_in_the_dump_waiting_in_the_inbox_first(mail_workspace, smtp_server):
    """Today's dump dropped in the inbox, then `digest send` before the send time: the digest it
    sends holds the dump's papers, as the daemon's pass at 07:30 would (it takes the inbox in
    first), and the daemon sends no second one. Before, it held what was stored alone, and the
    day's papers waited for the next day's digest (a weekly reader's: a week)."""
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    tick(ws, MON_0700 + dt.timedelta(minutes=30))  # Monday's digest: Day One
    ws.dump("d2.txt", make_dump("Mar 16", PAPERS_2), mtime=MON_0700 + dt.timedelta(hours=13))
    tick(ws, MON_0700 + dt.timedelta(hours=14))  # taken in (Day Two), for Tuesday
    third = [("Neuromorphic Day Three", "Spikes at last.")]
    ws.dump("d3.txt", make_dump("Mar 17", third), mtime=MON_0700 + dt.timedelta(hours=21))
    config = ws.config
    with Store(config.database) as store, SmtpSender(config.smtp) as sender:
        report = send_now(config, store, load_profiles(config), sender, MON_0700 + dt.timedelta(hours=23))
    tick(ws, MON_0700 + dt.timedelta(days=1, minutes=31))  # Tuesday's send time: done already
    assert [sorted(titles(m)) for m in smtp_server.messages] == [
        ["Neuromorphic Day One"],
        ["Neuromorphic Day Three", "Neuromorphic Day Two"],
    ]
    assert [(r.source.name, r.new_papers) for r in report.ingested.results] == [("d3.txt", 1)]
    assert (ws.root / "inbox" / "processed" / "d3.txt").exists()


def test_digest_send_dry_run_says_the_dump_waiting_in_the_inbox_it_does_not_take_in(mail_workspace):
    """`digest send` takes a dump waiting in the inbox in first; its --dry-run writes nothing, so
    its digests lack the dump's papers. It says so on stderr, as `preview` does; before, nothing."""
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    dry = ws.cli("send", "--dry-run")
    assert dry.exit_code == 0, dry.output
    inbox = ws.root / "inbox"
    assert dry.stderr == (
        f"note: 1 dump waiting in the inbox is not in this preview ({inbox / 'd1.txt'}): the daemon "
        "(`digest run`) and `digest send` take it in before sending any digest; `digest ingest` takes "
        "it in now.\n"
    )
    assert "0 papers  nothing new" in dry.stdout and (inbox / "d1.txt").exists()  # not taken in
    assert ws.cli("ingest").exit_code == 0
    dry = ws.cli("send", "--dry-run")  # none waits: no note
    assert dry.exit_code == 0 and dry.stderr == "" and "1 paper" in dry.stdout, dry.output


def test_digest_send_waits_for_a_dump_copied_in_a_moment_ago_and_sends_its_papers(
    mail_workspace, smtp_server
):
    """Today's dump copied into the inbox, then `digest send` at once (within settle_seconds, 5 s):
    it waits for the dump to stay unchanged, as `digest ingest` does, says so, and its digest holds
    the dump's papers. Before, it sent the digest of what was stored without them and said nothing,
    the dump left for the daemon's next pass, which sent nothing more that day (the period's digest
    was sent): its papers came a day later."""
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    assert ws.cli("ingest").exit_code == 0
    just_now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    ws.dump("d2.txt", make_dump("Mar 16", PAPERS_2), mtime=just_now)
    sent = ws.cli("send")
    assert sent.exit_code == 0, sent.output
    assert re.search(r"d2\.txt was changed \d+ s ago; waiting until it has not changed for 5 s", sent.stderr)
    assert "d2.txt: 2026-03-16, 2 entries: 1 new paper, 1 already known" in sent.stdout, sent.output
    assert "2 papers  sent" in sent.stdout, sent.output
    both = ["Neuromorphic Day One", "Neuromorphic Day Two"]
    assert [sorted(titles(m)) for m in smtp_server.messages] == [both]
    assert (ws.root / "inbox" / "processed" / "d2.txt").exists()


def test_digest_send_says_a_dump_still_written_after_its_wait_left_out(mail_workspace, monkeypatch):
    """A dump still changing when `digest send` has waited its most (a minute; none here): the
    digests go without it, and the send says so and what takes it in; before, nothing."""
    from digest.cli import papers

    monkeypatch.setattr(papers, "WAIT_AT_MOST", dt.timedelta(0))
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    ws.dump("d2.txt", make_dump("Mar 16", PAPERS_2), mtime=dt.datetime.now(dt.UTC))
    sent = ws.cli("send")
    assert sent.exit_code == 0, sent.output
    assert "d1.txt: 2026-03-15, 2 entries: 2 new papers, 0 already known" in sent.stdout, sent.output
    assert "1 paper  sent" in sent.stdout, sent.output
    said = r"d2\.txt: still being written \(it changed [01] s ago, within the last settle_seconds, 5 s\); "
    assert re.search(said, sent.stderr) and "not in these digests" in sent.stderr, sent.stderr
    assert (ws.root / "inbox" / "d2.txt").exists()
