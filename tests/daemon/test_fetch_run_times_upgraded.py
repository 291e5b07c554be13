"""The upgrade to schema 38 (each fetch's record keeps the time of the fetch run that wrote it) of a
database whose records were stored before: a catch-up recorded a second before its fetch is given
that fetch's time while the fetch's own record is still there, so `digest status` says it as it did
before the upgrade, and goes on saying it so once a later fetch has overwritten that record (before:
"(last success 2026-12-11 05:59 UTC)", a minute before a fetch "at 06:00"). Real `digest fetch`,
`ingest` and `status` commands at chosen moments, a loopback API shaped like the real one; the
tables taken back to schema 37 as its release left them."""

from __future__ import annotations

import pytest
from helpers.hf_days import api_failing, at, hf_source

from digest.store import Store

pytestmark = pytest.mark.backends  # the migration runs on either database


def released_37(workspace) -> None:
    """The fetches' records as the release at schema 37 stored them: without their run times."""
    with Store(workspace.config.database) as store:
        with store.transaction():
            store.db.execute("ALTER TABLE fetches DROP COLUMN run_at")
            store.db.execute("ALTER TABLE fetches DROP COLUMN succeeded_run_at")
            store.db.execute("DROP TABLE listing_fetches")  # (38 -> 39's)
            if store.dialect == "postgresql":
                store.db.execute("UPDATE schema_version SET version = 37")
        if store.dialect != "postgresql":
            store.db.execute("PRAGMA user_version = 37")


def source_line(said: str) -> str:
    return next(line for line in said.splitlines() if line.startswith("Source hf_daily:"))


def test_a_catch_up_stored_before_the_upgrade_keeps_its_fetch_s_time(workspace, monkeypatch):
    with hf_source(workspace, api_failing({"2026-12-10"})):  # Thursday's list: failing all Friday
        at(workspace, monkeypatch, "fetch", 9, 6)
        fetched = at(workspace, monkeypatch, "fetch", 11, 6)  # Wednesday's caught up, Thursday's failed
        released_37(workspace)
        assert workspace.cli("ingest").exit_code == 0  # a command that writes: the upgrade (SQLite's)
        upgraded = at(workspace, monkeypatch, "status", 11, 7)
        at(workspace, monkeypatch, "fetch", 11, 7)  # Thursday's asked again: its record overwritten
        later = at(workspace, monkeypatch, "status", 11, 8)
    assert "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known" in fetched, fetched
    line = source_line(upgraded)
    assert line.startswith("Source hf_daily: FETCH FAILED at 2026-12-11 06:00 UTC: "), upgraded
    assert line.endswith(" (last success 2026-12-11 06:00 UTC)"), upgraded  # as before the upgrade
    line = source_line(later)
    assert line.startswith("Source hf_daily: FETCH FAILED at 2026-12-11 07:00 UTC: "), later
    assert line.endswith(" (last success 2026-12-11 06:00 UTC)"), later  # was 05:59 (before schema 38)
    with Store(workspace.config.database) as store:
        rows = store.db.execute("SELECT attempted_at, run_at FROM fetches ORDER BY attempted_at").fetchall()
    assert [(a[11:19], r[11:19]) for a, r in rows] == [
        ("06:00:00", "06:00:00"),  # the 8th's, Wednesday's own
        ("05:59:59", "06:00:00"),  # the 9th's, caught up by Friday's fetch
        ("07:00:00", "07:00:00"),  # the 10th's, asked again at 07:00
    ]
