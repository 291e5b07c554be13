"""Readers r00, r01, ... of the day's neuromorphic PAPERS, delivered to over three connections, and
their digests queued as a pass of the daemon queues them: for the tests of `deliver_due`."""

from __future__ import annotations

from digest.deliver.queue import queue_digests
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.select.digests import next_digests
from digest.store import Store

from conftest import NOW, Workspace, make_dump

PAPERS = [(f"Neuromorphic Result {i}", f"An event-driven neuromorphic chip, take {i}.") for i in range(3)]


def workspace(tmp_path, port: int, readers: int, extra: str = "") -> Workspace:
    """A workspace of ``readers`` readers (r00, r01, …) asking for neuromorphic chips, delivering
    over three connections to the server on ``port`` (a timeout of 1 s), the day's dump in its inbox."""
    ws = Workspace(tmp_path, port)
    text = ws.config_path.read_text().replace("timeout: 5", "timeout: 1")
    ws.config_path.write_text(text + "delivery:\n  connections: 3\n" + extra)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    for i in range(readers):
        ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [neuromorphic]\n")
    return ws


def queue_all(ws: Workspace, store: Store) -> None:
    """The day's dump ingested and every reader's digest queued, as a pass of the daemon queues them."""
    config = ws.config
    ingest(store, [config.inbox / "day.txt"], NOW)
    queue_digests(config, store, next_digests(store, load_profiles(config), NOW, config=config), NOW)
