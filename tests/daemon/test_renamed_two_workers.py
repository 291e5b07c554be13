"""A renamed profile's carry-over when two workers (two `digest send`/`digest run` processes,
or PostgreSQL workers) meet it at once: it is made once, put off while another worker holds a
message of the old name, and the new name gets no digest of its own meanwhile (split from
test_renamed_profile.py, whose helpers these use)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from helpers.renamed_eve import DAY_1, EVE, MON_0700, add_dump, rename, send, yesterday

from digest.daemon.due import DueIndex
from digest.daemon.renamed import carry, carry_over, pending
from digest.daemon.sendnow import ALREADY
from digest.daemon.tick import run_once
from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.profiles.load import load_profiles
from digest.store import Store, iso

pytestmark = pytest.mark.backends


def test_two_workers_that_both_saw_the_rename_carry_it_over_once(workspace):
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    rename(ws, "eve", "eve-smith")
    config = ws.config
    with Store(config.database) as one, Store(config.database) as two:
        seen_by_one = pending(config, one, load_profiles(config), MON_0700)
        seen_by_two = pending(config, two, load_profiles(config), MON_0700)
        assert seen_by_one == seen_by_two and len(seen_by_one) == 1
        assert carry(one, seen_by_one, MON_0700) == seen_by_one
        assert carry(two, seen_by_two, MON_0700) == []  # looked again in its transaction: done
        assert [d.user for d in two.deliveries()] == ["eve-smith"]


def test_two_workers_at_the_same_moment_carry_a_renamed_reader_over_once(workspace):
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    rename(ws, "eve", "eve-smith")
    config = ws.config
    profiles = load_profiles(config)
    start = threading.Barrier(2)
    made: list[list] = []

    def worker() -> None:
        with Store(config.database) as store:
            start.wait()
            made.append(carry_over(config, store, profiles, MON_0700).done)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(m) for m in made) == [0, 1]
    with Store(config.database) as store:
        assert [d.user for d in store.deliveries()] == ["eve-smith"]
        assert store.schedule_state("eve-smith") is not None and store.schedule_state("eve") is None


def test_a_message_of_the_old_name_being_claimed_as_the_reader_is_carried_over_puts_the_carry_off(workspace):
    # on PostgreSQL the carry-over did not see a worker's claim being made: it moved the message
    # the worker then sent and recorded under the old name (the sent papers left behind)
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    config = ws.config
    with Store(config.database) as store, store.transaction():
        Outbox(store).enqueue(
            user="eve", recipient="eve@example.org", message_id="<2@x>", subject="s", mime=b"m",
            paper_ids=[], now=MON_0700,
        )  # fmt: skip
    rename(ws, "eve", "eve-smith")
    claiming, go_on = threading.Event(), threading.Event()

    def other_worker() -> None:  # claims eve's message, its transaction still open a moment
        with Store(config.database) as store, store.transaction() as db:
            until = iso(wall_clock() + dt.timedelta(minutes=5))
            db.execute("UPDATE outbox SET claimed_by = 'w2', claimed_until = ? WHERE user = 'eve'", (until,))
            claiming.set()
            go_on.wait(1.0)

    worker = threading.Thread(target=other_worker)
    worker.start()
    claiming.wait()
    with Store(config.database) as store:
        carried = carry_over(config, store, load_profiles(config), MON_0700)
        assert carried.done == [] and [c.new for c in carried.waiting] == ["eve-smith"]  # put off
        go_on.set()
        worker.join()
        assert [m.user for m in Outbox(store).messages()] == ["eve"]  # sent and recorded as eve's
        store.db.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL")
        (done,) = carry_over(config, store, load_profiles(config), MON_0700).done  # the next pass
        assert (done.old, done.new) == ("eve", "eve-smith")
        assert [m.user for m in Outbox(store).messages()] == ["eve-smith"]


def test_a_renamed_reader_whose_carry_over_waits_gets_no_digest_of_its_own_meanwhile(workspace):
    # the carry-over put off (today's digest of the old name being sent by another worker), the
    # same pass made the new name a digest as a new reader: a second one that day, and the old
    # name's history left behind for good (the new name had records of its own from then on)
    ws = workspace
    ws.profile("eve", EVE)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    config = ws.config
    with Store(config.database) as store, store.transaction():
        store.set_schedule_state("eve", "2026-03-16", wall_clock())  # today's digest, being sent:
        until = wall_clock() + dt.timedelta(minutes=5)
        Outbox(store).enqueue(
            user="eve", recipient="eve@example.org", message_id="<2@x>", subject="s", mime=b"m",
            paper_ids=[1, 2], now=MON_0700, period="2026-03-16", through=2, holder=("w2", until),
        )  # fmt: skip
    rename(ws, "eve", "eve-smith")
    later = MON_0700 + dt.timedelta(hours=1)
    report = send(ws, later)
    assert [c.new for c in report.waiting] == ["eve-smith"] and report.queued == ()
    assert [p.profile.user for p in report.planned] == []
    made = ws.cli("send")
    assert "eve-smith: nothing sent; continues eve from the next send or daemon pass" in made.output
    index = DueIndex()  # the daemon's pass: the same
    index.sync(load_profiles(config))
    with Store(config.database) as store:
        assert (
            run_once(
                config, store, load_profiles(config), None, later, deliver=False, due_index=index
            ).scheduled
            == ()
        )
    with Store(config.database) as store:  # the other worker's send recorded
        (msg,) = Outbox(store).messages()
        Outbox(store).mark_sent(msg, "250 ok", later)
    report = send(ws, later)
    assert [c.new for c in report.continued] == ["eve-smith"] and report.queued == ()
    assert [(p.profile.user, p.action) for p in report.planned] == [("eve-smith", ALREADY)]
    with Store(config.database) as store:
        assert [d.user for d in store.deliveries()] == ["eve-smith"]
