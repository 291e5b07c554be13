"""What the passes write down about profile file names (digest.daemon.names): a name whose file
went, so that the links signed before open no later reader given that name."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.daemon.names import look
from digest.store import Store

pytestmark = pytest.mark.backends

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
ADA = "email: ada@example.org\ninterests: [robotics]\n"


def names(store: Store) -> dict[str, tuple[int, str | None]]:
    rows = store.db.execute("SELECT user, live, gone_at FROM reader_names").fetchall()
    return {user: (live, gone_at) for user, live, gone_at in rows}


def test_a_file_found_gone_is_written_down_once_and_its_return_too(workspace):
    workspace.profile("ada", ADA)
    workspace.profile("eve", ADA.replace("ada@", "eve@"))
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        assert names(store) == {"ada": (1, None), "eve": (1, None)}
        (workspace.root / "profiles" / "eve.yaml").unlink()
        look(config, store, MON + dt.timedelta(hours=1))
        look(config, store, MON + dt.timedelta(hours=2))  # still gone: when it went is kept
        assert names(store)["eve"] == (0, "2026-03-16T08:00:00+00:00")
        workspace.profile("eve", ADA.replace("ada@", "eve@"))
        look(config, store, MON + dt.timedelta(hours=3))
        assert names(store)["eve"] == (1, "2026-03-16T08:00:00+00:00")


def test_an_empty_profiles_folder_is_no_reader_removed(workspace):
    """A disk not mounted leaves its empty mount point: no link must die of it."""
    workspace.profile("ada", ADA)
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        (workspace.root / "profiles" / "ada.yaml").unlink()
        look(config, store, MON + dt.timedelta(hours=1))
        assert names(store) == {"ada": (1, None)}


def test_a_profile_that_is_a_dangling_symbolic_link_is_still_its_readers_file(workspace, tmp_path):
    """A link to a share not mounted: the reader was not removed (digest.profiles.load.has_profile_file)."""
    workspace.profile("ada", ADA)
    shared = tmp_path / "share" / "eve.yaml"
    shared.parent.mkdir()
    shared.write_text(ADA.replace("ada@", "eve@"))
    (workspace.root / "profiles" / "eve.yaml").symlink_to(shared)
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        shared.unlink()
        look(config, store, MON + dt.timedelta(hours=1))
        assert names(store)["eve"] == (1, None)
