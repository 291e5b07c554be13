"""`digest serve` beside the workers: a link of a renamed reader carries their history over to
the new name when it is followed before a pass did (digest.daemon.renamed_link.carried_for_link). A
web process run with another config than the workers' (another profiles folder: a stale copy,
a test folder, a mount missing) took a live reader for a renamed one and moved their history to
a name of its own folder, which the workers moved back at their next pass. It now follows the
workers' settings as `digest send` does: such a link waits (503, the log says why) and nothing
is moved; with the workers' config the link opens as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.daemon.agree import worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.daemon.names import look
from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import SECRET, WebWorkspace

pytestmark = pytest.mark.backends

R10 = "email: r10@example.org\ninterests: [spiking]\n"


def history(database: Path | str) -> tuple[list, list]:
    with Store(database) as store:
        renames = store.db.execute("SELECT old_user, user FROM reader_renames").fetchall()
        states = store.db.execute("SELECT user FROM schedule_state").fetchall()
    return renames, states


def test_a_web_process_with_another_profiles_folder_moves_no_readers_history(
    tmp_path, db_at, monkeypatch, caplog
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    database = str(db_at)
    for name in ("workers", "other"):
        (tmp_path / name).mkdir()
    workers = WebWorkspace(tmp_path / "workers", 2525, database=database)
    workers.profile("r10", R10)
    other = WebWorkspace(tmp_path / "other", 2525, database=database)
    other.profile("ada", R10)  # r10's address, in a folder without r10
    now = dt.datetime.now(dt.UTC)
    with Store(database) as store, store.transaction():  # r10 had yesterday's digest
        store.set_schedule_state("r10", (now - dt.timedelta(days=1)).date().isoformat(), now)
        store.record_delivery("r10", "<1@x>", "r10@example.org", [], now, in_transaction=True)
    with Store(database) as store:  # a worker serving with the workers' config
        heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(workers.config))

    signer = Signer.from_config(other.config)
    link = f"/u/{signer.token('r10', now - dt.timedelta(hours=1))}"
    with RunLock(database).acquire(worker="app1:7:abcd"):  # on SQLite, it holds it while it runs
        page = create_app(other.config, signer, lambda: now).test_client().get(link)
    assert page.status_code == 503
    assert history(database) == ([], [("r10",)])  # nothing moved to ada
    said = caplog.text
    assert "its settings differ from those of the workers on this database (worker app1:7:abcd)" in said
    assert f"profiles: '{other.root / 'profiles'}' here, '{workers.root / 'profiles'}' there" in said

    page = create_app(workers.config, signer, lambda: now).test_client().get(link)
    assert page.status_code == 200 and "r10@example.org" in page.get_data(as_text=True)
    assert history(database) == ([], [("r10",)])


def test_a_reader_missing_only_from_a_web_process_folder_is_told_to_wait_not_gone(
    tmp_path, db_at, monkeypatch, caplog
):
    """Another profiles folder than the workers' lacks r10: the link answers 503 (the server is
    not set up like the workers), not 410, and the one-click too (a 503 is tried again); once the
    workers found r10's file gone, the link is told gone (410) whatever the folder."""
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    database = str(db_at)
    for name in ("workers", "other"):
        (tmp_path / name).mkdir()
    workers = WebWorkspace(tmp_path / "workers", 2525, database=database)
    path = workers.profile("r10", R10)
    workers.profile("kurt", "email: kurt@example.org\ninterests: [logic]\n")
    other = WebWorkspace(tmp_path / "other", 2525, database=database)
    other.profile("ada", "email: ada@example.org\ninterests: [robots]\n")  # a folder without r10
    now = dt.datetime.now(dt.UTC)
    with Store(database) as store:  # a worker serving with the workers' config, which looked at the names
        heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(workers.config))
        look(workers.config, store, now - dt.timedelta(minutes=30))

    signer = Signer.from_config(other.config)
    token = signer.token("r10", now - dt.timedelta(hours=1))
    client = create_app(other.config, signer, lambda: now).test_client()
    with RunLock(database).acquire(worker="app1:7:abcd"):  # on SQLite, it holds it while it runs
        page = client.get(f"/u/{token}")
        shown = page.get_data(as_text=True).replace(token, "TOKEN")  # its signature may hold "gone"
        assert page.status_code == 503 and "gone" not in shown.lower()
        said = caplog.text
        assert "its settings differ from those of the workers on this database (worker app1:7:abcd)" in said
        assert "waits (not told 'gone')" in caplog.text
        assert client.post(f"/u/{token}/unsubscribe", data=b"List-Unsubscribe=One-Click").status_code == 503
    assert path.exists()  # nothing written anywhere: the workers' reader is as they were

    path.unlink()  # the reader is removed from the workers' folder, and a pass finds it gone
    with Store(database) as store:
        look(workers.config, store, now - dt.timedelta(minutes=10))
    assert client.get(f"/u/{token}").status_code == 410
    assert create_app(workers.config, signer, lambda: now).test_client().get(f"/u/{token}").status_code == 410
