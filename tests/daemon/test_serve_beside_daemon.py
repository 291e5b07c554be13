"""`digest serve` and `digest profile new` beside a running daemon with the same config (a
laptop: both on one SQLite file; or PostgreSQL). They compare their settings with the workers'
before carrying a renamed reader over (digest.daemon.agree): the daemon's row holds those of its
last pass, and it reads config.yaml again only at its next one (up to a poll later), while the
web process reads it again at once. A setting edited meanwhile that a carry-over does not
depend on (a send time) made the link of a reader whose profile file was just renamed answer
503, and `profile new` refused, until that pass; only the profiles folder is compared for them."""

from __future__ import annotations

import datetime as dt

import pytest
from daemon_processes import start, stop_all, wait_until

from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import SECRET, WebWorkspace

pytestmark = pytest.mark.backends

R10 = "email: r10@example.org\ninterests: [spiking]\n"


def test_a_renamed_readers_link_opens_beside_a_daemon_that_has_not_read_an_edit_yet(
    tmp_path, database, db_at, monkeypatch
):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, 2525, database=database)
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  poll_seconds: 3600\n")  # one pass, then none while the test runs
    ws.profile("r10", R10)
    now = dt.datetime.now(dt.UTC)
    yesterday = (now - dt.timedelta(days=1)).date().isoformat()
    with Store(db_at) as store, store.transaction():  # r10 and eve had yesterday's digest
        for user in ("r10", "eve"):
            store.set_schedule_state(user, yesterday, now)
            store.record_delivery(user, f"<{user}@x>", f"{user}@example.org", [], now, in_transaction=True)
    daemon = start(ws)
    try:

        def passed() -> bool:
            with Store(db_at) as store:
                return bool(store.db.execute("SELECT 1 FROM workers WHERE settings IS NOT NULL").fetchone())

        wait_until(passed, 60, "the daemon's first pass", ws)
        ws.config_path.write_text(ws.config_path.read_text() + 'send_at: "08:00"\n')  # edited
        (ws.root / "profiles" / "r10.yaml").rename(ws.root / "profiles" / "ada.yaml")  # and renamed
        signer = Signer.from_config(ws.config)
        link = f"/u/{signer.token('r10', now - dt.timedelta(hours=1))}"
        page = create_app(ws.config, signer, lambda: dt.datetime.now(dt.UTC)).test_client().get(link)
        made = ws.cli("profile", "new", "eve", "--email", "eve@example.org", "-i", "spiking")
        assert daemon.poll() is None  # it still runs, not having read the edit
    finally:
        stop_all([daemon])
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "r10@example.org" in page.get_data(as_text=True)
    with Store(db_at) as store:
        assert store.db.execute("SELECT old_user, user FROM reader_renames").fetchall() == [("r10", "ada")]
    assert made.exit_code == 0, made.output
    assert (ws.root / "profiles" / "eve.yaml").exists()
