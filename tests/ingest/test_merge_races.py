"""On PostgreSQL an ingest's merge (digest.store_papers.merge_paper) meets the deliveries and
ratings other workers and the web record at the same time: whichever comes first, both go
through, and what the reader was sent or rated ends up on the paper the merged one became.
A transaction PostgreSQL ends to undo a deadlock is tried again in place (Store.add_listing).
On SQLite the database's write lock puts them one after the other."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable

import pytest
from helpers.retitled_paper import ABSTRACT, MON, NEW, OLD, daily_json, query_atom

from digest.db import PgConnection
from digest.deliver.outbox import Outbox
from digest.ingest.dumps import ingest
from digest.store import Store
from digest.store_papers import merge_paper

from conftest import make_dump

pytestmark = pytest.mark.backends

LATER = MON + dt.timedelta(hours=1)
SOUP = """<entry><id>http://arxiv.org/abs/2603.05050v1</id><title>Soup at Scale</title>
<summary>Soup.</summary></entry>"""
BROTH = """<entry><id>http://arxiv.org/abs/2603.05051v1</id><title>Broth at Scale</title>
<summary>Broth.</summary></entry>"""


def add(ws, store: Store, name: str, text: str, now: dt.datetime):
    report = ingest(store, [ws.dump(name, text, where="dumps", mtime=now)], now)
    assert not report.failures
    return report


def two_copies(ws) -> dict[str, int]:
    """The paper stored twice (with its id, and under its new title without), not merged yet."""
    with Store(ws.config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, ABSTRACT)]), MON)
        return {p.title: p.id for p in store.papers()}


def waiting(store: Store, n: int, unless: threading.Thread | None = None) -> None:
    """Until ``n`` sessions of this database wait for a lock (PostgreSQL; at once on SQLite, where
    the second transaction waits for the first one's end anyway), or the thread ``unless`` ended."""
    if store.dialect != "postgresql":
        return
    sql = (
        "SELECT COUNT(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(1000):
        if store.db.execute(sql).fetchone()[0] >= n or (unless is not None and not unless.is_alive()):
            return
        time.sleep(0.01)
    raise AssertionError(f"no {n} transactions waiting")


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # noqa: BLE001 - the test's thread reports it to the test
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.parametrize("record", ["delivery", "rating"])
def test_an_ingest_merging_a_paper_whose_delivery_or_rating_is_being_recorded_waits_for_it(workspace, record):
    # on PostgreSQL the merge deleted the paper from under the record being made: the ingest
    # failed (ForeignKeyViolation on sent_papers or ratings), to be tried at the next poll
    ws = workspace
    ids = two_copies(ws)
    held, release = threading.Event(), threading.Event()

    def recording() -> None:
        with Store(ws.config.database) as store, store.transaction() as db:
            if record == "delivery":
                store.record_delivery("ada", "<1@x>", "ada@example.org", [ids[NEW]], MON, in_transaction=True)
            else:
                db.execute("INSERT INTO ratings VALUES ('ada', ?, 1, ?)", (ids[NEW], MON.isoformat()))
            held.set()
            release.wait(30)

    recorder, errors = in_thread(recording)
    held.wait(30)
    with Store(ws.config.database) as store:
        ingesting, failed = in_thread(lambda: add(ws, store, "query.atom", query_atom("2026-03-15"), LATER))
        with Store(ws.config.database) as watcher:
            waiting(watcher, 1)  # the merge waits for the record
        release.set()
        for thread in (recorder, ingesting):
            thread.join()
        assert errors == failed == []
        assert [p.id for p in store.papers()] == [ids[OLD]]
        records = store.sent_paper_ids("ada") if record == "delivery" else set(store.ratings("ada"))
        assert records == {ids[OLD]}


def test_a_delivery_recorded_while_its_paper_is_merged_records_the_paper_it_became(workspace):
    # on PostgreSQL the delivery's record waited for the merge, then failed (ForeignKeyViolation:
    # the paper gone), after the server had accepted the message
    ws = workspace
    ids = two_copies(ws)
    held, release = threading.Event(), threading.Event()

    def merging() -> None:
        with Store(ws.config.database) as store, store.transaction() as db:
            merge_paper(db, into=ids[OLD], other=ids[NEW], stamp=LATER.isoformat())
            held.set()
            release.wait(30)

    merger, errors = in_thread(merging)
    held.wait(30)
    with Store(ws.config.database) as store:
        sending, failed = in_thread(
            lambda: store.record_delivery("ada", "<1@x>", "ada@example.org", [ids[NEW]], LATER)
        )
        with Store(ws.config.database) as watcher:
            waiting(watcher, 1)
        release.set()
        for thread in (merger, sending):
            thread.join()
        assert errors == failed == []
        assert store.sent_paper_ids("ada") == {ids[OLD]}
        assert [d.message_id for d in store.deliveries("ada")] == ["<1@x>"]


def test_an_ingest_that_postgresql_ends_in_a_deadlock_is_stored_at_its_second_try(
    workspace, database, caplog
):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock leaves no deadlock")
    ws = workspace
    with Store(ws.config.database) as store:
        feed = re.sub(r"<entry>.*</entry>", SOUP + BROTH, query_atom("2026-03-12"), flags=re.S)
        add(ws, store, "soup.atom", feed, MON)
    ids = two_copies(ws)
    soup, broth = ids["Soup at Scale"], ids["Broth at Scale"]
    # the listing's first papers are soup and broth (updated by the ingest), then the merge of the
    # new title. The ingest waits for broth, not soup, holding soup: were it to wait for soup, the
    # other worker's update would make a new version of soup's row, which the ingest and the rating
    # both waited for and either may take first (then the rating commits and nothing deadlocks)
    listing = query_atom("2026-03-15").replace("<entry>", SOUP + BROTH + "<entry>", 1)
    other_worker, rater = PgConnection(database), PgConnection(database)
    store, watcher = Store(ws.config.database), Store(ws.config.database)

    def rating() -> None:  # a rating of the new title's copy, then a wait for soup
        with rater.transaction():
            rater.execute("SET LOCAL deadlock_timeout = '60s'")  # the ingest is the one to see the cycle
            rater.execute("INSERT INTO ratings VALUES ('ada', ?, 1, ?)", (ids[NEW], MON.isoformat()))
            rater.execute("UPDATE papers SET code_url = code_url WHERE id = ?", (soup,))

    caplog.set_level(logging.INFO)
    threads: list[threading.Thread] = []
    try:
        with other_worker.transaction():
            # the other worker holds broth: the ingest waits for it, holding soup
            other_worker.execute("UPDATE papers SET upvotes = 7 WHERE id = ?", (broth,))
            ingesting, failed = in_thread(lambda: add(ws, store, "query.atom", listing, LATER))
            threads.append(ingesting)
            waiting(watcher, 1)
            rating_thread, rating_errors = in_thread(rating)
            threads.append(rating_thread)
            waiting(watcher, 2)  # the rating holds the copy and waits for the ingest (soup)
        # the other worker is done: the ingest takes broth, then waits for the rating's copy, whose
        # transaction waits for it: PostgreSQL ends the ingest's transaction; tried again, it waits
        # for the rating to end and merges it
        for thread in threads:
            thread.join()
        assert failed == rating_errors == []
        assert any("deadlock detected; storing it again" in r.getMessage() for r in caplog.records)
        assert sorted(p.id for p in store.papers()) == sorted([ids[OLD], soup, broth])
        assert store.ratings("ada") == {ids[OLD]: 1}
        assert store.db.execute("SELECT upvotes FROM papers WHERE id = ?", (broth,)).fetchone() == (7,)
    finally:
        for thread in threads:  # none left running, whatever failed
            thread.join()
        for connection in (store, watcher, other_worker, rater):
            connection.close()


def test_a_delivery_recorded_while_the_merge_moves_its_queued_message_is_not_ended_by_a_deadlock(
    workspace, database
):
    # the merge locked the paper, then waited for the message's row to move it to the paper it
    # kept; the delivery's record (mark_sent) held that row and waited for the paper: PostgreSQL
    # ended the delivery's transaction (deadlock detected), after the server had accepted it
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock leaves no deadlock")
    ws = workspace
    ids = two_copies(ws)
    with Store(ws.config.database) as store, store.transaction():
        outbox_id = Outbox(store).enqueue(
            user="ada", recipient="ada@example.org", message_id="<1@x>", subject="Digest", mime=b"x",
            paper_ids=[ids[NEW]], now=MON,
        )  # fmt: skip
        store.rate("bob", ids[NEW], 1, MON)
    other_worker = PgConnection(database)
    threads: list[threading.Thread] = []
    store, sender, watcher = Store(ws.config.database), Store(ws.config.database), Store(ws.config.database)
    try:
        with other_worker.transaction():
            # bob rates the paper kept, not committed yet: the merge, moving bob's rating of the
            # merged copy, waits for it
            rated = (ids[OLD], LATER.isoformat())
            other_worker.execute("INSERT INTO ratings VALUES ('bob', ?, -1, ?)", rated)
            listing = query_atom("2026-03-15")
            ingesting, failed = in_thread(lambda: add(ws, store, "query.atom", listing, LATER))
            threads.append(ingesting)
            waiting(watcher, 1)
            outbox = Outbox(sender)
            message = outbox.get(outbox_id)
            sending, send_errors = in_thread(lambda: outbox.mark_sent(message, "250 ok", LATER))
            threads.append(sending)
            waiting(watcher, 2)
        for thread in threads:
            thread.join()
        assert failed == send_errors == []
        assert [p.id for p in store.papers()] == [ids[OLD]]
        assert store.sent_paper_ids("ada") == {ids[OLD]}
        assert [m.status for m in Outbox(store).messages(user="ada")] == ["sent"]
    finally:
        for thread in threads:  # none left running, whatever failed
            thread.join()
        for connection in (store, sender, watcher, other_worker):
            connection.close()


class MergedMeanwhile:
    """A stand-in for the embedding model (sentence-transformers is an extra, and slow): while it
    embeds the papers, another worker's ingest merges the paper stored without its id into the
    one with it, completing that one's abstract from the longer copy."""

    def __init__(self, merge: Callable[[], None]) -> None:
        self.merge, self.texts = merge, []

    def encode(self, sentences, **kwargs):
        import numpy as np

        if not self.texts:
            self.merge()
        self.texts += list(sentences)
        return np.ones((len(sentences), 8), dtype=np.float32)


def test_paper_embeddings_made_while_a_merge_deletes_or_rewrites_their_papers_are_not_kept(workspace):
    # the save inserted the vector of the paper the merge had deleted: a foreign key violation
    # (a bug's traceback, the pass failed), and kept the vector of the paper whose abstract the
    # merge had completed (its old vector deleted so that it is made again), made from the old one
    pytest.importorskip("numpy")
    from digest.select.ranking import build_index
    from digest.select.semantic import Embedder

    ws = workspace
    longer = ABSTRACT + " The lanterns are refreshed as the index grows."
    with Store(ws.config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, longer)]), MON)
        ids = {p.title: p.id for p in store.papers()}

        def other_worker_merges() -> None:
            with Store(ws.config.database) as other:
                add(ws, other, "query.atom", query_atom("2026-03-15"), LATER)

        model = MergedMeanwhile(other_worker_merges)
        build_index(store, store.papers(), embedder=Embedder(model))  # no error
        assert len(model.texts) == 2  # both papers embedded as they were
        assert [(p.id, p.abstract) for p in store.papers()] == [(ids[OLD], longer)]  # one, completed
        assert store.embeddings("injected", ids.values()) == {}  # neither vector kept
        build_index(store, store.papers(), embedder=Embedder(model))
        assert model.texts[2:] == [f"{OLD}. {longer}"]  # the next ranking embeds the paper as it is now
        assert list(store.embeddings("injected", ids.values())) == [ids[OLD]]


def _vectors(papers) -> tuple[dict[int, tuple[int, bytes]], dict[int, tuple[str, str]]]:
    return {p.id: (2, bytes(8)) for p in papers}, {p.id: (p.title, p.abstract) for p in papers}


def test_an_embeddings_save_waits_for_a_merge_under_way_and_keeps_no_stale_vector(workspace, database):
    # on PostgreSQL the save read the papers as they were before the uncommitted merge, then its
    # insert waited for the merge and failed (ForeignKeyViolation: the merged paper gone)
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock puts the save after the merge (the test above)")
    ws = workspace
    longer = ABSTRACT + " The lanterns are refreshed as the index grows."
    with Store(ws.config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, longer)]), MON)
        ids = {p.title: p.id for p in store.papers()}
        vectors, texts = _vectors(store.papers())
    held, release = threading.Event(), threading.Event()

    def merging() -> None:
        with Store(ws.config.database) as other, other.transaction() as db:
            merge_paper(db, into=ids[OLD], other=ids[NEW], stamp=LATER.isoformat())
            held.set()
            release.wait(30)

    merger, errors = in_thread(merging)
    threads = [merger]
    kept: list[int] = []
    with Store(ws.config.database) as store, Store(ws.config.database) as watcher:
        try:
            assert held.wait(30)
            saving, failed = in_thread(lambda: kept.append(store.save_embeddings("m", vectors, texts)))
            threads.append(saving)
            waiting(watcher, 1)  # the save waits for the merge
        finally:  # none left running, whatever failed
            release.set()
            for thread in threads:
                thread.join()
        assert errors == failed == [] and kept == [0]
        assert store.embeddings("m", ids.values()) == {}


def test_an_embeddings_save_that_postgresql_ends_in_a_deadlock_is_saved_at_its_second_try(
    workspace, database, caplog
):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock leaves no deadlock")
    ws = workspace
    with Store(ws.config.database) as store:
        papers = [(OLD, ABSTRACT), ("Middle Paper", "A third paper."), (NEW, "Another paper.")]
        add(ws, store, "trending.txt", make_dump("Mar 14", papers), MON)
        first, middle, last = sorted(p.id for p in store.papers())
        vectors, texts = _vectors(store.papers())
    other_worker, third = PgConnection(database), PgConnection(database)

    def other_ingest() -> None:  # another worker's ingest, updating the last paper, then the first
        with other_worker.transaction():
            other_worker.execute("SET LOCAL deadlock_timeout = '60s'")  # the save is to see the cycle
            other_worker.execute("UPDATE papers SET upvotes = 3 WHERE id = ?", (last,))
            other_worker.execute("UPDATE papers SET upvotes = 5 WHERE id = ?", (first,))

    caplog.set_level(logging.INFO)
    kept: list[int] = []
    threads: list[threading.Thread] = []
    with Store(ws.config.database) as store, Store(ws.config.database) as watcher:
        try:
            with third.transaction():
                # a third transaction holds the middle paper: the save, taking the papers in the
                # order of their ids, holds the first one and waits there
                third.execute("UPDATE papers SET upvotes = 4 WHERE id = ?", (middle,))
                saving, failed = in_thread(lambda: kept.append(store.save_embeddings("m", vectors, texts)))
                threads.append(saving)
                waiting(watcher, 1)
                ingesting, other_errors = in_thread(other_ingest)
                threads.append(ingesting)
                waiting(watcher, 2)  # the other worker holds the last paper and waits for the first
            # the save takes the middle paper, then waits for the last one: the cycle is whole when
            # the save starts this wait, so the save is the one that sees it (a second later)
        finally:  # none left running, whatever failed
            for thread in threads:
                thread.join()
            other_worker.close()
            third.close()
        assert failed == other_errors == [] and kept == [3]
        assert any("deadlock detected; saved again" in r.getMessage() for r in caplog.records)
        assert sorted(store.embeddings("m", [first, middle, last])) == [first, middle, last]
