"""On PostgreSQL a renamed profile's carry-over (digest.daemon.renamed.carry: eve.yaml renamed
ada.yaml) that PostgreSQL ends to undo a conflict with another transaction (a deadlock, a
serialization failure) is tried again after a pause (digest.db.retrying_conflicts), as the other
transactions that write readers' rows are: it rolled back whole, and made again it goes through.
It was not, so the daemon's pass, `digest send` or `digest profile new` that made it ended with
"deadlock detected". Two real connections: the carry-over's and one that holds a row of eve's and
then asks for her name, which the carry-over holds (a cycle PostgreSQL breaks by ending the
carry-over, the one that waited first)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from helpers.at_once import in_thread, readers, waiting

from digest.daemon.names import look
from digest.daemon.renamed import carry, pending
from digest.db import wall_clock
from digest.profiles.load import load_profiles_lenient
from digest.store import iso

pytestmark = pytest.mark.backends


def test_a_carry_over_ended_by_a_deadlock_is_tried_again_and_made(tmp_path, database, caplog):
    ws, (store, other, third, watcher) = readers(tmp_path, database, ("abe", "eve"))
    try:
        before = wall_clock() - dt.timedelta(hours=1)
        assert look(ws.config, store, before)  # the files written down
        with store.transaction() as db:  # eve's records: her schedule, a digest delivered
            store.set_schedule_states([("eve", "2026-03-14")], before)
            db.execute(
                "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?)",
                ("eve", "<eve-1@example.org>", "eve@example.org", 1, iso(before)),
            )
        (ws.root / "profiles" / "eve.yaml").rename(ws.root / "profiles" / "ada.yaml")
        moves = pending(ws.config, other, load_profiles_lenient(ws.config)[0], wall_clock())
        assert [(c.old, c.new) for c in moves] == [("eve", "ada")]
        caplog.set_level(logging.INFO)
        with third.transaction() as held:
            held.execute("SELECT user FROM schedule_state WHERE user = ? FOR UPDATE", ("eve",))
            carrying, carried, errors = in_thread(lambda: carry(other, moves, wall_clock()))
            waiting(watcher, 1)  # the carry-over holds eve's name and waits for her schedule state
            # a cycle: PostgreSQL ends the carry-over (after its deadlock_timeout), this goes on
            held.execute("SELECT user FROM reader_names WHERE user = ? FOR UPDATE", ("eve",)).fetchall()
        carrying.join(60)
        assert errors == []  # was: DeadlockDetected, the pass or command ended
        assert carried == [moves]
        said = [r.getMessage() for r in caplog.records]
        assert [s for s in said if "eve over to ada: deadlock detected" in s and s.endswith("tried again")]
        states = store.db.execute("SELECT user FROM schedule_state").fetchall()
        assert [s[0] for s in states] == ["ada"]
        assert [d.user for d in store.deliveries()] == ["ada"]
    finally:
        for one in (store, other, third, watcher):
            one.close()
