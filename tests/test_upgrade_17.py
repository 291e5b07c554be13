"""An upgrade from the release at schema 17 straight to this one (22), on SQLite and PostgreSQL:
both migrations in one opening, said in one log line with both versions; then the first pass's
look at the profiles folder and the links already sent work together with what the release
left (a reader renamed under it, a reader removed under it, a paper with a dotted capital I)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from helpers.version_17 import add_indexed_paper, version_17

from digest.config import load_config
from digest.daemon.names import look
from digest.select.collection import CollectionStats
from digest.signing import Signed
from digest.store import SCHEMA_VERSION, Store
from digest.web.identity import link_reader

from conftest import Workspace

pytestmark = pytest.mark.backends

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


def released_17(ws: Workspace, db_at) -> None:
    """What the release left: ada live, eve renamed eve-smith, bob's file removed (his records
    stay), and the word counts of a paper about İstanbul made with the old fold."""
    db = version_17(db_at)
    add_indexed_paper(db, "traffic in istanbul", "Traffic in İstanbul")
    for user in ("ada", "eve-smith", "bob"):
        db.execute(
            "INSERT INTO schedule_state VALUES (?, '2026-11-20', '2026-11-20T07:00:00+00:00')", (user,)
        )
    db.execute("INSERT INTO reader_renames VALUES ('eve', 'eve-smith', '2026-11-19T07:00:00+00:00')")
    db.close()
    ws.profile("ada", "email: ada@example.org\ninterests: [traffic]\n")
    ws.profile("eve-smith", "email: eve@example.org\ninterests: [traffic]\n")


@pytest.fixture
def ws(tmp_path, database) -> Workspace:
    return Workspace(tmp_path, database=database)


def test_the_upgrade_says_from_which_version_to_which_on_both_databases(ws, db_at, caplog):
    released_17(ws, db_at)
    with caplog.at_level(logging.INFO), Store(load_config(ws.config_path).database) as store:
        assert store.schema_version == SCHEMA_VERSION == 39
    (said,) = [r.getMessage() for r in caplog.records if "schema version" in r.getMessage()]
    assert said.endswith("migrated from schema version 17 to 39")


def test_the_first_pass_after_the_upgrade_keeps_every_old_link_with_its_reader(ws, db_at):
    released_17(ws, db_at)
    config = load_config(ws.config_path)
    with Store(config.database) as store:
        look(config, store, NOW)  # what every pass that may queue a digest does first
        names = dict(store.db.execute("SELECT user, live FROM reader_names").fetchall())
        assert names == {"ada": 1, "eve-smith": 1, "bob": 0}
        assert CollectionStats(store).refresh() == 1  # counted again, with the new fold
        assert CollectionStats(store).df("istanbul") == 1
    folder = ws.root / "profiles"
    # links sent by the release (no time in them)
    assert link_reader(config, Signed("ada", None), NOW) == ("ada", folder / "ada.yaml")
    assert link_reader(config, Signed("eve", None), NOW) == ("eve-smith", folder / "eve-smith.yaml")
    assert link_reader(config, Signed("bob", None), NOW) is None  # removed: the 410
    # a newcomer given bob's name later is not opened by bob's old links, but by their own
    ws.profile("bob", "email: robert@example.org\ninterests: [traffic]\n")
    later = NOW + dt.timedelta(days=1)
    assert link_reader(config, Signed("bob", None), later) is None
    assert link_reader(config, Signed("bob", later), later) == ("bob", folder / "bob.yaml")
