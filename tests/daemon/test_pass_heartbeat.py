"""The heartbeat between a pass's steps only says the worker is alive: its failing does not stop the pass."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.daemon.service import Daemon
from digest.demo.http_server import LocalHttpServer, Route, one_page
from digest.ingest.fetch_records import last_fetches
from digest.store import Store

pytestmark = pytest.mark.backends  # SQLite and PostgreSQL

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
FRI_0731 = dt.datetime(2026, 11, 27, 7, 31, tzinfo=dt.UTC)
BIG = 32 * 2**20  # bytes a failing touch writes on SQLite: past the file-size limit
HF = "  - kind: hf_daily\n    day: today\n    url: {base}/api/daily_papers?date={date}\n"


@contextlib.contextmanager
def failing_touches(store: Store) -> Iterator[None]:
    """A worker's row updated with what it holds unchanged (the touch between steps; the
    heartbeats at a pass's start and end change it) meets a real database trouble, none of ours:
    on PostgreSQL a lock it cannot get in time (another session holds it: lock_timeout); on
    SQLite a write the disk refuses (a file-size limit, as a full quota: a disk I/O error)."""
    if store.dialect == "postgresql":
        store.db.raw.execute(
            "CREATE TABLE busy (x int); CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF NEW.holds = OLD.holds THEN PERFORM set_config('lock_timeout', '200ms', true); "
            "LOCK TABLE busy; END IF; RETURN NEW; END $$; "
            "CREATE TRIGGER boom BEFORE UPDATE ON workers FOR EACH ROW EXECUTE FUNCTION boom()"
        )
        with Store(store.path) as other, other.transaction() as db:
            db.execute("LOCK TABLE busy")  # held by another session while the passes run
            yield
        store.db.raw.execute("DROP TRIGGER boom ON workers; DROP FUNCTION boom(); DROP TABLE busy")
        return
    store.db.execute("CREATE TABLE busy (x BLOB)")
    store.db.execute(
        "CREATE TRIGGER boom BEFORE UPDATE ON workers WHEN NEW.holds = OLD.holds "
        f"BEGIN INSERT INTO busy VALUES (zeroblob({BIG})); END"
    )
    files = [f for f in Path(store.path).parent.iterdir() if f.is_file()]
    limit = max(f.stat().st_size for f in files) + BIG // 2  # the pass's own writes fit
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))  # (Python ignores SIGXFSZ: EFBIG)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    store.db.execute("DROP TRIGGER boom")
    store.db.execute("DROP TABLE busy")


def test_a_failing_touch_between_steps_neither_stops_the_pass_nor_repeats_the_fetch(
    mail_workspace, smtp_server, caplog
):
    """A touch that failed after the fetch (the database unreachable for a moment) failed the
    whole pass: the readers' digests waited for the next poll, the failure was logged as the
    pass's, and the worker's settings were cleared as a failed pass's. The touch only tells the
    others this worker is alive (its heartbeats at the pass's start and end say it too): it is
    logged, and the pass goes on; the source is fetched once. (On SQLite the database's troubles
    come as the store's StoreError, saying what they mean: these failed the pass still, the
    warning having caught the raw database errors only.)"""
    ws = mail_workspace
    listing = (FIXTURES / "hf_daily.json").read_bytes()
    with LocalHttpServer({"/api/daily_papers": one_page(Route(listing))}) as server:
        ws.config_path.write_text(
            ws.config_path.read_text() + "sources:\n" + HF.replace("{base}", server.url(""))
        )
        ws.profile("ada", 'email: ada@example.org\ninterests: [curriculum, adapters]\nsend_at: "07:30"\n')
        daemon = Daemon(ws.config, clock=lambda: FRI_0731)
        with Store(ws.config.database) as store, failing_touches(store):
            with caplog.at_level(logging.WARNING, logger="digest"):
                daemon.tick()
            (mail,) = smtp_server.messages  # in the same pass
            assert (
                "Gradient Noise as a Compass for Curriculum Design"
                in mail.message.get_body(("plain",)).get_content()
            )
            asked = len(server.requests)
            daemon.tick()  # the next pass: nothing fetched again, nothing sent again
            assert len(server.requests) == asked and len(smtp_server.messages) == 1
            assert last_fetches(store)["hf_daily"].outcome == "listing"
            settings = store.db.execute("SELECT settings FROM workers").fetchone()[0]
            assert settings is not None  # the worker's passes served the readers: not a failed pass's
    said = [r.getMessage() for r in caplog.records]
    trouble = "lock timeout" if store.dialect == "postgresql" else "disk I/O error"
    assert any(trouble in m and "going on" in m for m in said), said
    assert not any("pass failed" in m or "tick failed" in m for m in said), said


def test_a_touch_failing_on_a_bug_of_ours_still_fails_the_pass_and_says_so(
    mail_workspace, smtp_server, caplog
):
    """Only the database's troubles are a warning: a touch that fails on a mistake of ours (SQL
    it cannot run, a constraint of ours broken: a trigger raising one here) fails the pass, its
    traceback logged as a bug to report, not hidden in a warning at every pass."""
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [curriculum]\nsend_at: "07:30"\n')
    daemon = Daemon(ws.config, clock=lambda: FRI_0731)
    with Store(ws.config.database) as store:
        daemon.tick()  # the worker's row
        if store.dialect == "postgresql":
            store.db.raw.execute(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.holds = "
                "OLD.holds THEN RAISE EXCEPTION 'a bug'; END IF; RETURN NEW; END $$; "
                "CREATE TRIGGER boom BEFORE UPDATE ON workers FOR EACH ROW EXECUTE FUNCTION boom()"
            )
        else:
            store.db.execute(
                "CREATE TRIGGER boom BEFORE UPDATE ON workers WHEN NEW.holds = OLD.holds "
                "BEGIN SELECT RAISE(ABORT, 'a bug'); END"
            )
        with caplog.at_level(logging.WARNING, logger="digest"):
            daemon.tick()
    (failed,) = [r for r in caplog.records if "tick failed" in r.getMessage()]
    assert "unforeseen error" in failed.getMessage() and failed.exc_info is not None
    assert not any("going on" in r.getMessage() for r in caplog.records)
