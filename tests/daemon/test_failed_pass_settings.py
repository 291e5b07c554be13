"""A worker whose pass fails is no longer one serving the readers (digest.daemon.agree): its
settings are cleared, so the workers standing aside for it go on. A pass failing in the
agreement itself (its query: a real database error here, a table it reads gone) kept them: only
a failure inside the queueing and sending cleared them. Any failure after the pass's first
heartbeat now does, and the next pass that ends serving writes them again."""

from __future__ import annotations

import datetime as dt

from helpers.machines import workspace

from digest.daemon.service import Daemon
from digest.store import Store

from conftest import postgres_database


def row(url: str) -> tuple[str, str | None]:
    with Store(url) as store:
        return store.db.execute("SELECT holds, settings FROM workers").fetchone()


def test_a_pass_failing_in_the_agreement_clears_the_workers_settings(tmp_path):
    with postgres_database() as url:
        ws = workspace(tmp_path / "w", 2525, url)
        ws.profile("r10", "email: r10@example.org\ninterests: [spiking]\n")
        daemon = Daemon(ws.config, clock=lambda: dt.datetime.now(dt.UTC))
        daemon.tick()
        assert row(url)[1] is not None  # it ended a pass serving the readers
        with Store(url) as store, store.transaction():  # what the agreement's query reads, gone
            store.db.execute("ALTER TABLE reader_claims RENAME TO reader_claims_away")
        try:
            daemon.tick()  # fails (logged; the daemon goes on)
            assert row(url) == ("its last pass failed", None)
        finally:
            with Store(url) as store, store.transaction():
                store.db.execute("ALTER TABLE reader_claims_away RENAME TO reader_claims")
        daemon.tick()
        assert row(url)[1] is not None
