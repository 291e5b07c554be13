"""On PostgreSQL a delivery storing a new digest or recording results (digest.deliver.commits.commit),
a look moving a removed reader's records aside (digest.daemon.names.look: the name's file back for
someone else) and a renamed profile's carry-over (digest.daemon.renamed.carry) take the names first,
then the readers' rows (digest.deliver.wanted.hold_names): the storing holds the names of the
messages it records, sends or stores (FOR SHARE) before it records its last message's result, the
look the names it writes and the carry-over its two before they move a reader's rows. So the one
that comes second waits for the first without holding a row the first wants: no cycle, no
"deadlock detected" (which PostgreSQL finds only after its deadlock_timeout, a second, and ends one
of the two to be tried again). Two real connections, a third holding one of them up."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from helpers.at_once import ADA, MIME, in_thread, readers, waiting

from digest.daemon.names import look
from digest.daemon.renamed import carry, pending
from digest.db import wall_clock
from digest.deliver.claims import lease_holder
from digest.deliver.file_transport import FileSender
from digest.deliver.lines import Line, Pass
from digest.deliver.outbox import NewMessage, Outbox
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.suppressions import Suppressions
from digest.deliver.unrecorded import Unrecorded
from digest.profiles.load import load_profiles_lenient
from digest.progress import NO_PROGRESS
from digest.store import Store, iso
from digest.worker_ids import worker_id

from conftest import Workspace

pytestmark = pytest.mark.backends


@pytest.mark.parametrize(
    ("stored_for", "stops_at"),
    [
        ("ada", "schedule_state"),  # her own new digest; the look stops before her outbox rows
        ("bob", "deliveries"),  # bob's, whose records the look moves after ada's outbox rows
    ],
)
def test_a_delivery_storing_a_digest_and_a_look_moving_its_readers_records_wait_without_a_deadlock(
    tmp_path, database, caplog, stored_for, stops_at
):
    """`send` records the result of ada's earlier digest (a retry) and stores ``stored_for``'s new
    one, planned before ada's and bob's files were removed and their names given to zed and yan;
    a pass's look moves their records aside meanwhile, held up at ada's row of ``stops_at``."""
    ws, (store, other, third, watcher) = readers(tmp_path, database, ("abe", "ada", "bob"))
    try:
        before = wall_clock() - dt.timedelta(hours=1)
        assert look(ws.config, store, before)  # the files written down
        outbox = Outbox(store)
        with store.transaction() as db:  # ada's earlier digest, due again (a deferral); their schedules
            outbox.enqueue(
                user="ada", recipient="ada@example.org", message_id="<ada-1@example.org>", subject="Digest",
                mime=MIME.replace(b"{to}", b"ada@example.org"), paper_ids=[], now=before,
            )  # fmt: skip
            store.set_schedule_states([("ada", "2026-03-14"), ("bob", "2026-03-14")], before)
            db.execute(
                "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?)",
                ("ada", "<ada-0@example.org>", "ada@example.org", 1, iso(before)),
            )
        line = sending_the_due_one(ws, store, outbox, tmp_path)  # and planning ada's new one
        for name in ("ada", "bob"):
            (ws.root / "profiles" / f"{name}.yaml").unlink()
        assert look(ws.config, store, wall_clock())  # their removals written down
        ws.profile("ada", ADA.replace("ada@", "zed@"))  # the names given to zed and yan
        ws.profile("bob", ADA.replace("ada@", "yan@"))
        to = f"{stored_for}@example.org"
        new = NewMessage(
            stored_for, to, "<new@example.org>", "Digest", MIME.replace(b"{to}", to.encode()), ()
        )
        caplog.set_level(logging.INFO)
        with third.transaction() as held:  # the look stops at ada's row there, once it holds her name
            held.execute(f"SELECT user FROM {stops_at} WHERE user = ? FOR UPDATE", ("ada",))
            looking, _, look_errors = in_thread(lambda: look(ws.config, other, wall_clock()))
            waiting(watcher, 1)
            storing, _, store_errors = in_thread(lambda: (line.take(new), line.flush()))
            waiting(watcher, 2)  # the storing waits for ada's name, which the look holds
        # the look goes on, moving ada's rows (her earlier digest's too); the storing then sees her
        # name given away: her new digest is stored for nobody
        looking.join(60)
        storing.join(60)
        assert look_errors == store_errors == []
        said = [r.getMessage() for r in caplog.records]
        assert not [s for s in said if "deadlock detected" in s]  # neither was ended and tried again
        users = dict(store.db.execute("SELECT message_id, user FROM outbox").fetchall())
        assert list(users) == ["<ada-1@example.org>"]  # the new digest not stored
        assert users["<ada-1@example.org>"].startswith("ada~removed-")  # ada's earlier one moved aside
        assert any(f"digest for {stored_for} (" in s and "found gone after it was planned" in s for s in said)
    finally:
        for one in (store, other, third, watcher):
            one.close()


def test_a_delivery_storing_a_digest_and_a_carry_over_of_its_reader_wait_without_a_deadlock(
    tmp_path, database, caplog
):
    """`send` stores eve's new digest (planned before eve.yaml was renamed ada.yaml) and records
    bob's earlier one, held up at bob's outbox row by a third connection; a pass's carry-over of
    eve to ada (digest.daemon.renamed.carry) moves eve's rows meanwhile. The carry-over moved eve's
    schedule state and then asked for her name, which the storing held (FOR SHARE), while the
    storing, let go, marked her period in the schedule state the carry-over held: a deadlock."""
    ws, (store, other, third, watcher) = readers(tmp_path, database, ("abe", "bob", "eve"))
    try:
        before = wall_clock() - dt.timedelta(hours=1)
        assert look(ws.config, store, before)  # the files written down
        outbox = Outbox(store)
        with store.transaction() as db:  # bob's earlier digest, due again (a deferral); eve's records
            outbox.enqueue(
                user="bob", recipient="bob@example.org", message_id="<bob-1@example.org>", subject="Digest",
                mime=MIME.replace(b"{to}", b"bob@example.org"), paper_ids=[], now=before,
            )  # fmt: skip
            store.set_schedule_states([("eve", "2026-03-14")], before)
            db.execute(
                "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?)",
                ("eve", "<eve-1@example.org>", "eve@example.org", 1, iso(before)),
            )
        line = sending_the_due_one(ws, store, outbox, tmp_path)  # bob's; and planning eve's new one
        (ws.root / "profiles" / "eve.yaml").rename(ws.root / "profiles" / "ada.yaml")
        moves = pending(ws.config, other, load_profiles_lenient(ws.config)[0], wall_clock())
        assert [(c.old, c.new) for c in moves] == [("eve", "ada")]
        mime = MIME.replace(b"{to}", b"eve@example.org")
        new = NewMessage("eve", "eve@example.org", "<eve-2@example.org>", "Digest", mime, (), "2026-03-15")
        caplog.set_level(logging.INFO)
        with third.transaction() as held:  # the storing stops at bob's row, once it holds eve's name
            held.execute("SELECT user FROM outbox WHERE user = ? FOR UPDATE", ("bob",))
            storing, _, store_errors = in_thread(lambda: (line.take(new), line.flush()))
            waiting(watcher, 1)
            carrying, carried, carry_errors = in_thread(lambda: carry(other, moves, wall_clock()))
            waiting(watcher, 2)  # the carry-over waits for eve's name, which the storing holds
        storing.join(60)
        carrying.join(60)
        assert store_errors == carry_errors == []  # was: the carry-over ended, "deadlock detected"
        said = [r.getMessage() for r in caplog.records]
        assert not [s for s in said if "deadlock detected" in s]  # neither was ended (and tried again)
        # the carry-over came second: eve's new digest goes on as ada's, or, still being sent when
        # the carry-over looked, the carry-over is put off to the next pass
        users = dict(store.db.execute("SELECT message_id, user FROM outbox").fetchall())
        assert users == {"<bob-1@example.org>": "bob", "<eve-2@example.org>": "ada" if carried[0] else "eve"}
        states = store.db.execute("SELECT user, last_period FROM schedule_state").fetchall()
        assert [tuple(s) for s in states] == [("ada" if carried[0] else "eve", "2026-03-15")]
    finally:
        for one in (store, other, third, watcher):
            one.close()


def sending_the_due_one(ws: Workspace, store: Store, outbox: Outbox, tmp_path) -> Line:
    """A pass (its now: now) whose delivery line wrote the one due message (an earlier digest, due
    again): its result is recorded with the next digest the line stores."""
    me, lease = worker_id(), dt.timedelta(minutes=5)
    run = Pass(
        ws.config, outbox, RetryPolicy(), RateLimiter(None), Circuit(1, timeouts=2), Suppressions(store),
        Unrecorded(store.path), NO_PROGRESS, wall_clock(), wall_clock, lease_holder(me, lease),
    )  # fmt: skip
    line = Line(run, FileSender(tmp_path / "out"))
    line.take(outbox.get(outbox.claim(outbox.due_ids(wall_clock()), me, wall_clock(), lease)[0]))
    assert len(line.held) == 1
    return line


def test_a_delivery_sending_two_removed_readers_earlier_digests_and_a_look_wait_without_a_deadlock(
    tmp_path, database, caplog
):
    """`send` records the result of bob's earlier digest and sends ada's (both retries, claimed by
    the pass before their files were removed and their names given to zed and yan); a pass's look
    moves their records aside meanwhile (ada's, then bob's), held up at bob's first row by a third
    connection. The storing held bob's message (recording its result) and then asked for ada's,
    which the look had moved; the look, let go, asked for bob's: a deadlock."""
    ws, (store, other, third, watcher) = readers(tmp_path, database, ("abe", "ada", "bob"))
    try:
        before = wall_clock() - dt.timedelta(hours=1)
        assert look(ws.config, store, before)  # the files written down
        outbox = Outbox(store)
        with store.transaction() as db:  # their earlier digests, due again (deferrals); their schedules
            for name in ("bob", "ada"):
                outbox.enqueue(
                    user=name, recipient=f"{name}@example.org", message_id=f"<{name}-1@example.org>",
                    subject="Digest", mime=MIME.replace(b"{to}", f"{name}@example.org".encode()),
                    paper_ids=[], now=before,
                )  # fmt: skip
                db.execute(
                    "INSERT INTO period_digests (user, period, message_id) VALUES (?,?,?)",
                    (name, "2026-03-14", f"<{name}-1@example.org>"),
                )
            store.set_schedule_states([("ada", "2026-03-14"), ("bob", "2026-03-14")], before)
        line = sending_the_due_one(ws, store, outbox, tmp_path)  # bob's, the older; ada's claimed too
        ada = outbox.get(store.db.execute("SELECT id FROM outbox WHERE user = ?", ("ada",)).fetchone()[0])
        for name in ("ada", "bob"):
            (ws.root / "profiles" / f"{name}.yaml").unlink()
        assert look(ws.config, store, wall_clock())  # their removals written down
        ws.profile("ada", ADA.replace("ada@", "zed@"))  # the names given to zed and yan
        ws.profile("bob", ADA.replace("ada@", "yan@"))
        caplog.set_level(logging.INFO)
        with third.transaction() as held:  # the look stops at bob's first row, ada's all moved
            held.execute("SELECT user FROM schedule_state WHERE user = ? FOR UPDATE", ("bob",))
            looking, _, look_errors = in_thread(lambda: look(ws.config, other, wall_clock()))
            waiting(watcher, 1)
            storing, _, store_errors = in_thread(lambda: (line.take(ada), line.flush()))
            waiting(watcher, 2)
        looking.join(60)
        storing.join(60)
        assert look_errors == store_errors == []
        said = [r.getMessage() for r in caplog.records]
        assert not [s for s in said if "deadlock detected" in s]  # neither was ended and tried again
    finally:
        for one in (store, other, third, watcher):
            one.close()
