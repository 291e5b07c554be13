"""SIGTERM stops the daemon while its pass waits for another process's embeddings (a `digest
--semantic rank` making the papers' embeddings, or stopped with Ctrl-Z while it held the lock):
the wait ends at once, not after up to WAIT_MOST (5 minutes) past systemd's TimeoutStopSec, and
the pass is said not finished, not failed. The model is injected (no torch needed)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import numpy as np

from digest.daemon.service import Daemon
from digest.db import sidecar
from digest.filelock import FileLock
from digest.select import embedding_lock, ranking
from digest.select.ranking import StoredTexts
from digest.select.semantic import Embedder

from conftest import Workspace, make_dump


class Model:
    """A stand-in for a sentence-transformers model: a vector per text, from its length."""

    def encode(self, sentences, **kwargs):
        return np.array([[len(s) % 7 + 1.0, s.count("n") + 1.0, 1.0] for s in sentences], dtype=np.float32)


def test_sigterm_ends_a_pass_waiting_for_another_process_embeddings(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(embedding_lock, "_STUCK", set())
    monkeypatch.setattr(embedding_lock, "WAIT_MOST", 60.0)
    monkeypatch.setattr(
        ranking,
        "embedder_for",
        lambda semantic, store=None: Embedder(Model(), cache=StoredTexts(store, semantic.key)),
    )
    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("semantic: true\n")
    listing = make_dump("2026-03-04", [("Spiking networks for audio", "We train spiking networks.")])
    ws.dump("day.txt", listing, mtime=dt.datetime(2026, 3, 4, 5, 0, tzinfo=dt.UTC))
    ws.profile("ada", 'email: ada@example.org\ntimezone: UTC\nsend_at: "07:00"\ninterests: [spiking]\n')
    now = [dt.datetime(2026, 3, 4, 6, 0, tzinfo=dt.UTC)]
    daemon = Daemon(ws.config, clock=lambda: now[0])
    daemon.tick()  # the dump ingested, ada known; not due before 07:00
    now[0] = dt.datetime(2026, 3, 4, 7, 1, tzinfo=dt.UTC)
    holder = FileLock(sidecar(tmp_path / "digest.db", ".embeddings.lock"))  # another process making them
    assert holder.acquire(wait=False)
    threading.Timer(0.5, daemon.stop.set).start()  # SIGTERM, as serve's handler takes it
    started = time.monotonic()
    try:
        with caplog.at_level(logging.INFO):
            daemon.tick()
    finally:
        holder.release()
    took = time.monotonic() - started
    assert took < 10, f"the stop waited {took:.0f} s for another process's embeddings"
    said = caplog.text
    assert "tick failed" not in said
    assert (
        "pass not finished: stopping: the wait for another digest process making embeddings with "
        "packaged:all-MiniLM-L6-v2 is given up after 0 s, before making those of papers" in said
    ), said
