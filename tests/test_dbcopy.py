"""`digest db migrate`: an SQLite database moved into PostgreSQL without loss."""

from __future__ import annotations

import datetime as dt

from digest.ingest.dumps import ingest
from digest.ingest.sources import read_dump
from digest.profiles.load import load_profiles
from digest.select.digests import next_digests
from digest.store import Store

from conftest import NOW, make_dump, postgres_database


def test_migrate_copies_every_row_and_the_next_digests_are_the_same(mail_workspace, shared_dumps):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks, diffusion]\n")
    ws.profile("kurt", "email: kurt@example.org\ninterests: [large language models]\n")
    config = ws.config
    dumps = sorted(shared_dumps, key=lambda p: read_dump(p).day)  # as they came, day after day
    with Store(config.database) as store:
        ingest(store, dumps[:3], NOW)
        assert ws.cli("send").exit_code == 0  # deliveries, outbox, its bytes, schedule state
        store.rate("ada", store.papers()[0].id, 1, NOW)
        ingest(store, dumps[3:], NOW + dt.timedelta(days=1))
        before = [(d.profile.user, d.paper_ids) for d in next_digests(store, load_profiles(config), NOW)]
        assert before and all(ids for _, ids in before)
    with postgres_database() as url:
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 0, result.output
        assert "every table's rows are there" in result.output and "MISMATCH" not in result.output
        with Store(url) as pg, Store(config.database) as lite:
            for table in (
                "papers",
                "listings",
                "outbox",
                "outbox_mime",
                "deliveries",
                "sent_papers",
                "ratings",
            ):
                assert pg.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0, table
            assert pg.counts() == lite.counts()
            assert [m.mime for m in _outbox(pg)] == [m.mime for m in _outbox(lite)]
            after = [(d.profile.user, d.paper_ids) for d in next_digests(pg, load_profiles(config), NOW)]
            assert after == before
            # new rows continue after the copied ids
            new = pg.db.execute(
                "INSERT INTO listings (sha256, day, source, entries, ingested_at) VALUES ('x', '2026-03-20', "
                "'x', 0, '2026-03-20T00:00:00+00:00')"
            ).lastrowid
            assert new > lite.db.execute("SELECT MAX(id) FROM listings").fetchone()[0]
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 1 and "already holds papers" in again.output


def test_migrate_wants_a_postgresql_url(workspace):
    (workspace.root / "inbox" / "d.txt").write_text(make_dump("Mar 14", [("A paper", "About things.")]))
    assert workspace.cli("ingest").exit_code == 0
    result = workspace.cli("db", "migrate", "--to", "mysql://x/y")
    assert result.exit_code == 1 and "--to must be a postgresql:// URL" in result.output


def _outbox(store: Store):
    from digest.deliver.outbox import Outbox

    return Outbox(store).messages()
