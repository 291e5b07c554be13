"""Paper embeddings are made once per database: two processes that find the same papers without
a stored embedding at the same time (two `digest --semantic rank`, a daemon pass and a `digest
preview --semantic`) do not each load the model and embed them; the second waits for the first
and reads the embeddings it stored. The embedding step is injected (no torch needed)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.semantic_stand_in import PAPERS, BagOfWordsModel, profile, stored_papers

from digest.db import POSTGRESQL, lock_key, real_file, sidecar
from digest.filelock import FileLock
from digest.select import embedding_lock
from digest.select.ranking import StoredTexts, build_index
from digest.select.semantic import Embedder
from digest.store import Store

pytestmark = pytest.mark.backends


@pytest.fixture(autouse=True)
def no_holder_waited_for_in_vain(monkeypatch):
    """Each test starts as a new process: no holder of its database's lock given up on before."""
    monkeypatch.setattr(embedding_lock, "_STUCK", set(), raising=False)


# One process ranking ada with an injected model that notes each paper it embeds in CALLS (one
# line per call, the number of texts), says it has started (STARTED) and takes its time.
CHILD = """
import json, sys, time
from pathlib import Path
import numpy as np
from digest.db import DatabaseUrl, is_postgres
from digest.models import Interest, Profile
from digest.select.ranking import StoredTexts, build_index
from digest.select.semantic import Embedder
from digest.store import Store

database, folder = sys.argv[1], Path(sys.argv[2])

class Slow:
    def encode(self, sentences, **kwargs):
        with open(folder / "calls", "a") as f:
            f.write(f"{len(sentences)}\\n")
        (folder / "started").touch()
        time.sleep(2.0)
        return np.array([[len(s) % 7 + 1.0, s.count("n") + 1.0, 1.0] for s in sentences], dtype=np.float32)

where = DatabaseUrl(database, folder) if is_postgres(database) else Path(database)
with Store(where) as store:
    embedder = Embedder(Slow(), cache=StoredTexts(store, "injected"))  # as ranking.embedder_for
    ranked = build_index(store, store.papers(), embedder=embedder).rank(
        Profile("ada", "ada@example.org", (Interest("spiking"),))
    )
print(json.dumps([[m.paper.id, m.score] for m in ranked]))
"""


def test_two_processes_at_once_embed_the_papers_once_and_rank_alike(db_at, tmp_path):
    with Store(db_at) as store:
        stored_papers(store)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [sys.executable, "-c", CHILD, str(db_at), str(tmp_path)]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():  # the first is embedding the papers
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first process never started embedding"
        time.sleep(0.05)
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    said = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], said
    calls = [int(n) for n in (tmp_path / "calls").read_text().split()]
    # the papers, then ada's interests (kept in the store too), by the first process alone
    assert calls == [len(PAPERS), 1], f"embedded by both processes: {calls} texts per call"
    assert json.loads(said[1][0]) == json.loads(said[0][0])  # the same scores, bit for bit
    with Store(db_at) as store:
        assert store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == len(PAPERS)
        assert store.db.execute("SELECT COUNT(*) FROM text_embeddings").fetchone()[0] == 1


def hold_the_lock(store: Store, db_at) -> object:
    """Another process's hold, as the lock module takes it (a file lock; an advisory lock)."""
    if store.dialect == POSTGRESQL:
        other = Store(db_at)
        other.db.execute("SELECT pg_advisory_lock(?)", (lock_key("embeddings:injected"),))
        return other
    lock = FileLock(sidecar(real_file(db_at), ".embeddings.lock"))
    assert lock.acquire(wait=False)
    return lock


def let_go(holder: object) -> None:
    """The other process lets go of the lock. On PostgreSQL it unlocks before it closes: a session
    closed is ended by the server a moment later, and its advisory lock with it, so a try at once
    (the next step of a test) may find it still held (85 of 200 tries did, one right after close)."""
    if isinstance(holder, Store):
        holder.db.execute("SELECT pg_advisory_unlock_all()")
        holder.close()
    else:
        holder.release()


def test_a_process_that_holds_the_lock_too_long_is_waited_for_only_so_long(db_at, monkeypatch, caplog):
    """**Chosen:** a holder that never ends (stopped, hung) does not stop ranking for good: past
    WAIT_MOST the waiter embeds the papers itself, as before there was a lock, and says so."""
    monkeypatch.setattr(embedding_lock, "WAIT_MOST", 0.5)
    model = BagOfWordsModel()
    with Store(db_at) as store:
        stored_papers(store)
        holder = hold_the_lock(store, db_at)
        try:
            with caplog.at_level(logging.WARNING):
                index = build_index(store, store.papers(), embedder=Embedder(model))
        finally:
            let_go(holder)
        assert model.calls == len(PAPERS) and index.rank(profile("spiking"))
        waited = (
            "waited 0 s for another digest process making embeddings with injected; making those of papers"
        )
        assert f"{waited} here" in caplog.text


def test_the_lock_file_lies_beside_the_database(db_at, tmp_path):
    if not isinstance(db_at, Path):
        pytest.skip("PostgreSQL takes an advisory lock, no file")
    with Store(db_at) as store:
        stored_papers(store)
        build_index(store, store.papers(), embedder=Embedder(BagOfWordsModel()))
    assert (tmp_path / "digest.db.embeddings.lock").exists()


def test_a_wait_for_readers_texts_is_said_as_such(db_at, monkeypatch, caplog):
    """A command that waits to make the embeddings of readers' texts (their interests) says so, not
    that it waits for papers' embeddings: it may have no paper left to embed, and the holder of
    the one lock may be making either."""
    monkeypatch.setattr(embedding_lock, "WAIT_MOST", 0.5)
    with Store(db_at) as store:
        holder = hold_the_lock(store, db_at)
        try:
            with caplog.at_level(logging.INFO):
                Embedder(BagOfWordsModel(), cache=StoredTexts(store, "injected")).embed_phrases(["spiking"])
        finally:
            let_go(holder)
    said = [r.getMessage() for r in caplog.records if r.name == embedding_lock.__name__]
    assert said == [
        "waiting for another digest process making embeddings with injected, before making those of readers' "
        "texts (interests, titles they like)",
        "waited 0 s for another digest process making embeddings with injected; making those of readers' "
        "texts (interests, titles they like) here (and, until it lets go, all that are missing, without "
        "waiting again)",
    ]


def test_a_holder_waited_for_in_vain_is_not_waited_for_again_for_each_text(db_at, monkeypatch, caplog):
    """A holder that never lets go (a `digest rank` stopped with Ctrl-Z) is waited for WAIT_MOST
    once, not again for each reader's texts after the papers: a pass of many readers would
    otherwise wait WAIT_MOST for every one of them. Once the lock is free again, it is waited for."""
    monkeypatch.setattr(embedding_lock, "WAIT_MOST", 0.5)
    monkeypatch.setattr(embedding_lock, "SAY_AFTER", 60.0)  # a slow poll under load says no more than this
    readers = [profile("spiking"), profile("pruning"), profile("graph neural networks")]
    with Store(db_at) as store:
        stored_papers(store)
        holder = hold_the_lock(store, db_at)
        try:
            with caplog.at_level(logging.WARNING):
                embedder = Embedder(BagOfWordsModel(), cache=StoredTexts(store, "injected"))
                index = build_index(store, store.papers(), embedder=embedder)
                assert all(index.rank(p) for p in readers)
        finally:
            let_go(holder)
        waits = [r.getMessage() for r in caplog.records if r.name == embedding_lock.__name__]
        assert len(waits) == 1, waits
        embedder.embed_phrases(["free again"])  # the lock is let go: taken here
        holder = hold_the_lock(store, db_at)  # another holder, waited for again
        try:
            with caplog.at_level(logging.WARNING):
                embedder.embed_phrases(["a new one"])
        finally:
            let_go(holder)
    waits = [r.getMessage() for r in caplog.records if r.name == embedding_lock.__name__]
    assert len(waits) == 2, f"a holder after the lock was free again not waited for: {waits}"


def test_a_wait_of_more_than_a_few_seconds_is_said_without_verbose(db_at, monkeypatch, caplog):
    """A command waiting for another's embeddings (two `digest --semantic rank` at once) does not
    sit silent for up to WAIT_MOST: past SAY_AFTER it says, as a warning (shown without -v), what
    it waits for and for how long at the most."""
    monkeypatch.setattr(embedding_lock, "WAIT_MOST", 1.0)
    monkeypatch.setattr(embedding_lock, "SAY_AFTER", 0.3, raising=False)
    with Store(db_at) as store:
        stored_papers(store)
        holder = hold_the_lock(store, db_at)
        try:
            with caplog.at_level(logging.WARNING):
                build_index(store, store.papers(), embedder=Embedder(BagOfWordsModel()))
        finally:
            let_go(holder)
    said = [r.getMessage() for r in caplog.records if r.name == embedding_lock.__name__]
    assert said[:1] == [
        "still waiting (0 s so far) for another digest process making embeddings with injected (a rank, "
        "preview or daemon pass on this database), before making those of papers: at most 1 s, then "
        "they are made here"
    ], said
