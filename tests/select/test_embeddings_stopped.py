"""A process asked to stop (SIGTERM: systemd stopping the daemon, `digest send`, `run --once`) while
it makes paper embeddings stops within a batch of papers, not once every paper is embedded (a first
pass on a large archive embeds thousands, far past systemd's 90 s TimeoutStopSec, and was killed
mid-write): the batches made are stored and kept, the next pass makes the rest; and a process
already stopping does not start loading the model. The model is injected (no torch needed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers.semantic_stand_in import BagOfWordsModel

from digest.config import SemanticConfig
from digest.models import Interest, Profile
from digest.select import ranking, semantic
from digest.select.embedding_lock import EmbeddingsStopped, stopping
from digest.select.ranking import build_index, embedder_for
from digest.select.semantic import Embedder
from digest.store import Store

TOPICS = ["spiking networks", "pruning", "graph learning", "tabular trees", "audio", "robots", "proteins"]


def our_papers(store: Store, count: int = 10) -> None:
    with store.transaction() as db:
        for n in range(1, count + 1):
            title = f"Paper {n} on {TOPICS[n % len(TOPICS)]}"
            db.execute(
                "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?,?)",
                (
                    n,
                    title.lower(),
                    title,
                    f"We study {TOPICS[n % len(TOPICS)]} at scale {n}.",
                    "2024-03-14",
                    "2024-03-14T00:00:00+00:00",
                ),
            )


def stored(database: Path) -> int:
    with Store(database) as store:
        return store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]


# A process that embeds 10 papers, 2 at a time, with a model taking 0.5 s a paper, under the stop
# `digest send` and `run --once` take on SIGTERM; it says when it has started embedding.
CHILD = """
import sys, time
from pathlib import Path
import numpy as np
from digest.cli.common import stop_on_signal
from digest.select import ranking
from digest.select.embedding_lock import EmbeddingsStopped, stopping
from digest.select.semantic import Embedder
from digest.store import Store

ranking.BATCH = int(sys.argv[3]) if len(sys.argv) > 3 else 2
folder = Path(sys.argv[2])

class Slow:
    def encode(self, sentences, **kwargs):
        (folder / "started").touch()
        time.sleep(0.5 * len(sentences))  # as a real model, by the papers
        return np.array([[len(s) % 7 + 1.0, s.count("n") + 1.0, 1.0] for s in sentences], dtype=np.float32)

with Store(Path(sys.argv[1])) as store, stop_on_signal("stopping") as stop, stopping(stop):
    try:
        ranking.build_index(store, store.papers(), embedder=Embedder(Slow()))
        print("all made")
    except EmbeddingsStopped as e:
        print(e)
"""


def embedded_until_sigterm(tmp_path: Path, *batch: str) -> tuple[str, float]:
    """The child (batches of ``batch``) stopped by SIGTERM in its first batch: what it printed, and
    the seconds from the signal to its end."""
    database = tmp_path / "digest.db"
    with Store(database) as store:
        our_papers(store)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(database), str(tmp_path), *batch],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the process never started embedding"
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    return out.strip(), time.monotonic() - signalled


def test_a_sigterm_in_the_last_batch_finishes_it_and_says_the_pass_stops(tmp_path):
    out, _ = embedded_until_sigterm(tmp_path, "10")  # one batch: the last
    assert out == (
        "stopping: the 10 new papers are embedded (injected) and kept, but no digest is made; "
        "the next pass or send makes the digests"
    )
    assert stored(tmp_path / "digest.db") == 10


def test_a_sigterm_while_papers_are_embedded_stops_after_the_batch_and_keeps_it(tmp_path):
    database = tmp_path / "digest.db"
    with Store(database) as store:
        our_papers(store)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(database), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():  # the first batch is being embedded
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the process never started embedding"
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    out, err = child.communicate(timeout=60)
    took = time.monotonic() - signalled
    assert child.returncode == 0, err
    assert took < 2.5, f"the process went on embedding for {took:.1f} s after SIGTERM: {out!r} {err!r}"
    assert out.strip() == (
        "stopping: 2 of the 10 new papers are embedded (injected) and kept; "
        "the next pass or send embeds the other 8"
    )
    assert stored(database) == 2  # the batch made is stored whole, nothing after it


def test_the_next_pass_makes_the_rest_and_ranks_as_if_made_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(ranking, "BATCH", 3)
    stop = threading.Event()

    class StoppedAfterTheFirstBatch(BagOfWordsModel):
        def encode(self, sentences, **kwargs):
            stop.set()  # SIGTERM comes while the first batch is embedded
            return super().encode(sentences, **kwargs)

    reader = Profile("ada", "ada@example.org", (Interest("spiking"), Interest("pruning")))
    with Store(tmp_path / "digest.db") as store:
        our_papers(store)
        with stopping(stop), pytest.raises(EmbeddingsStopped):
            build_index(store, store.papers(), embedder=Embedder(StoppedAfterTheFirstBatch()))
        assert store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 3
        model = BagOfWordsModel()
        index = build_index(store, store.papers(), embedder=Embedder(model))
        assert model.calls == 7  # only the papers not made before the stop
        ranked = index.rank(reader)
    with Store(tmp_path / "at-once.db") as store:
        our_papers(store)
        monkeypatch.setattr(ranking, "BATCH", 1000)
        at_once = build_index(store, store.papers(), embedder=Embedder(BagOfWordsModel())).rank(reader)
    assert [(m.paper.id, m.score, m.keywords) for m in ranked] == [
        (m.paper.id, m.score, m.keywords) for m in at_once
    ]


def test_a_process_already_stopping_does_not_load_the_model(tmp_path, monkeypatch):
    loaded: list[object] = []
    monkeypatch.setattr(semantic, "load_model", lambda path=None: loaded.append(path) or BagOfWordsModel())
    monkeypatch.setattr(ranking, "_MODELS", {})
    stop = threading.Event()
    stop.set()  # SIGTERM came before the pass reached the embeddings
    with Store(tmp_path / "digest.db") as store:
        our_papers(store)
        embedder = embedder_for(SemanticConfig(), store)
        with stopping(stop), pytest.raises(EmbeddingsStopped) as stopped:
            build_index(store, store.papers(), embedder=embedder)
        with (
            stopping(stop),
            pytest.raises(EmbeddingsStopped),
        ):  # a reader's texts: the model not loaded either
            embedder.embed_phrases(["spiking"])
    assert loaded == [], f"the model was loaded by a process asked to stop: {stopped.value}"
    assert str(stopped.value) == (
        "stopping: none of the 10 new papers is embedded yet (injected); the next pass or send embeds them"
    )


def test_a_stop_asked_while_the_model_loads_embeds_nothing(tmp_path, monkeypatch):
    stop = threading.Event()

    def loading(path=None):
        stop.set()  # SIGTERM comes while the model loads
        return BagOfWordsModel()

    monkeypatch.setattr(semantic, "load_model", loading)
    monkeypatch.setattr(ranking, "_MODELS", {})
    with Store(tmp_path / "digest.db") as store:
        our_papers(store)
        with stopping(stop), pytest.raises(EmbeddingsStopped, match="is loaded, nothing was embedded"):
            build_index(store, store.papers(), embedder=embedder_for(SemanticConfig(), store))
        assert store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 0
