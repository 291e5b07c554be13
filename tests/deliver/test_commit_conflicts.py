"""On PostgreSQL a delivery's commit (digest.deliver.commits.commit: the last message's result
recorded, the next message held) may meet an ingest merging the papers of both messages: each
transaction holds one message's row and waits for the other's, and PostgreSQL ends one of them.
When it ends the delivery's, after the server accepted the message, the commit is tried again in
place (as Store.add_listing is), so the pass goes on and nothing waits for the next pass's
recovery. On SQLite the database's write lock puts them one after the other."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from helpers.at_once import MIME, in_thread, waiting

from digest.deliver.claims import lease_holder
from digest.deliver.lines import Line, Pass
from digest.deliver.outbox import SENT, Outbox
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import SmtpSender
from digest.deliver.unrecorded import Unrecorded
from digest.ingest.dumps import ingest
from digest.progress import NO_PROGRESS
from digest.store import Store
from digest.store_papers import merge_paper
from digest.worker_ids import worker_id

from conftest import NOW, make_dump

pytestmark = pytest.mark.backends


def test_a_delivery_commit_ended_by_a_deadlock_with_a_merge_is_tried_again_in_place(
    mail_workspace, smtp_server, database, caplog
):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock leaves no deadlock")
    ws = mail_workspace
    titles = ["Spiking A", "Spiking A Again", "Spiking B", "Spiking B Again"]
    store, ingester, watcher, third = (Store(ws.config.database) for _ in range(4))
    sender = SmtpSender(ws.config.smtp)
    threads: list[threading.Thread] = []
    merged_b, merge_a = threading.Event(), threading.Event()
    try:
        dump = ws.dump("day.txt", make_dump("Mar 14", [(t, f"{t}: spikes.") for t in titles]))
        assert not ingest(store, [dump], NOW).failures
        ids = {p.title: p.id for p in store.papers()}
        outbox = Outbox(store)
        with store.transaction():  # ada's digest has paper A, bob's paper B
            for user, title in (("ada", "Spiking A"), ("bob", "Spiking B")):
                outbox.enqueue(
                    user=user, recipient=f"{user}@example.org", message_id=f"<{user}@example.org>",
                    subject="Digest", mime=MIME.replace(b"{to}", f"{user}@example.org".encode()),
                    paper_ids=[ids[title]], now=NOW,
                )  # fmt: skip
        me, lease = worker_id(), dt.timedelta(minutes=5)
        claimed = outbox.claim(outbox.due_ids(NOW), me, NOW, lease)
        ada, bob = (outbox.get(i) for i in claimed)
        run = Pass(
            ws.config, outbox, RetryPolicy(), RateLimiter(None), Circuit(1, timeouts=2), Suppressions(store),
            Unrecorded(store.path), NO_PROGRESS, NOW, lambda: NOW, lease_holder(me, lease),
        )  # fmt: skip
        line = Line(run, sender)
        line.take(ada)  # sent; its result is recorded with bob's message's hold, in one commit
        assert len(smtp_server.messages) == 1
        caplog.set_level(logging.INFO)
        stamp = NOW.isoformat()

        def merges() -> None:  # an ingest merging B, then A, into their other copies
            try:
                with ingester.transaction() as db:
                    db.execute("SET LOCAL deadlock_timeout = '60s'")  # the delivery is to see the cycle
                    merge_paper(
                        db, into=ids["Spiking B Again"], other=ids["Spiking B"], stamp=stamp
                    )  # bob's row
                    merged_b.set()
                    merge_a.wait()
                    merge_paper(db, into=ids["Spiking A Again"], other=ids["Spiking A"], stamp=stamp)  # ada's
            finally:
                merged_b.set()

        with third.transaction() as held:
            # a third transaction holds paper A: the commit records ada's message (her row) and waits
            # there, before it holds bob's message
            held.execute("SELECT id FROM papers WHERE id = ? FOR UPDATE", (ids["Spiking A"],))
            merging, _, merge_errors = in_thread(merges)
            threads.append(merging)
            merged_b.wait()  # bob's row held
            delivering, _, errors = in_thread(lambda: (line.take(bob), line.flush()))
            threads.append(delivering)
            waiting(watcher, 1)  # the commit recorded ada's message and waits for paper A
            merge_a.set()
            waiting(watcher, 2)  # the merge of A waits for ada's row
        # the third is done: the commit takes paper A, then waits for bob's row, held by the ingest,
        # which waits for it: the cycle is whole when the commit starts this wait, so the commit is
        # the one that sees it (a second later)
        for thread in threads:
            thread.join()
        assert errors == merge_errors == []
        assert any(
            "deadlock detected" in r.getMessage() and "tried again" in r.getMessage() for r in caplog.records
        )
        said = [r.getMessage() for r in caplog.records]
        assert said.count("digest sent to ada <ada@example.org>: 1 paper") == 1  # once, though written twice
        assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["ada@example.org", "bob@example.org"]
        assert [m.status for m in outbox.messages()] == [SENT, SENT]
        assert store.sent_paper_ids("ada") == {ids["Spiking A Again"]}  # the papers the merge kept
        assert store.sent_paper_ids("bob") == {ids["Spiking B Again"]}
        assert Unrecorded(store.path).entries() == []  # nothing left for the next pass to recover
    finally:  # none left running, whatever failed
        merge_a.set()
        for thread in threads:
            thread.join()
        sender.close()
        for connection in (store, ingester, watcher, third):
            connection.close()
