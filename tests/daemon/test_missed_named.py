"""`digest run --once` names each reader whose send time it found missed past the grace, with the
time in the reader's zone, as `digest status` does: a user wants to know who got nothing, not a
count. Past MISSED_NAMED readers the rest are counted, `digest status` naming them. Before, with
two or more: "4 readers' digests not sent within the 240-minute grace: what waits for them goes in
their next (`digest status` names them and what waits)". Real `digest run --once` under
libfaketime, a real store, aiosmtpd.

A pass that did something (another reader's digest sent, a dump taken in) says them in a line of
its own: before, only "nothing to do" said them, and a pass that sent bob's digest at 04:55 said
nothing of ada's missed at 00:00. Each reader missed has papers waiting (a Monday listing came):
a send time with nothing to send is not missed (test_missed_one_decision)."""

from __future__ import annotations

import datetime as dt

from helpers.faked import digest_at, needs_faketime
from helpers.missed_history import at

from digest.daemon.tick_report import MISSED_NAMED, TickReport
from digest.ingest.dumps import IngestReport

from conftest import make_dump

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory.")]  # what waits for Monday's digests
GRACE = dt.timedelta(minutes=240)


@needs_faketime
def test_run_once_names_each_reader_whose_send_time_was_missed(mail_workspace, smtp_server):
    ws = mail_workspace
    for user in ("ada", "bob"):
        ws.profile(user, f'email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.profile(
        "tok", 'email: tok@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\ntimezone: Asia/Tokyo\n'
    )
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    digest_at(ws, "run", "--once", at=at(5, 12))
    digest_at(ws, "run", "--once", at=at(5, 22, 1))  # tok's Sunday 07:00 JST
    digest_at(ws, "run", "--once", at=at(6, 0, 1))  # ada's and bob's Sunday
    assert len(smtp_server.messages) == 3
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    digest_at(ws, "run", "--once", at=at(6, 12))
    done = digest_at(ws, "run", "--once", at=at(7, 4, 56))  # Monday's three, past the grace
    assert done.stdout == (
        "nothing to do: no source due, no new dump, no reader's digest due; 3 readers' digests not sent"
        " within the 240-minute grace (ada's of 2026-12-07 00:00 UTC, bob's of 2026-12-07 00:00 UTC,"
        " tok's of 2026-12-07 07:00 JST): what waits for each goes in their next, `digest send --user USER`"
        " sends it now (`digest status` shows when each reader's next one is)\n"
    )


@needs_faketime
def test_a_pass_that_sends_another_readers_digest_still_says_the_one_missed(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    digest_at(ws, "run", "--once", at=at(5, 12))
    digest_at(ws, "run", "--once", at=at(6, 0, 1))  # ada's Sunday
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    digest_at(ws, "run", "--once", at=at(6, 12))
    ws.profile("bob", 'email: bob@example.org\ninterests: [neuromorphic]\nsend_at: "04:55"\n')
    done = digest_at(ws, "run", "--once", at=at(7, 4, 56))  # bob's first; ada's Monday past the grace
    assert done.stdout.splitlines() == [
        "digest for bob (2026-12-07): 1 paper queued",
        "sent to bob <bob@example.org>: 1 paper",
        "ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace: what waits for them goes"
        " in their next, `digest send --user ada` sends it now",
    ]


def test_past_the_readers_named_the_rest_are_counted():
    missed = tuple((f"r{i:02}", at(7, 0), "UTC") for i in range(MISSED_NAMED + 2))
    said = TickReport(IngestReport((), ()), (), (), (), missed=missed, grace=GRACE).idle()
    assert f"r{MISSED_NAMED - 1:02}'s of 2026-12-07 00:00 UTC and 2 more (`digest status` names them)" in said
    assert f"r{MISSED_NAMED:02}'s" not in said
