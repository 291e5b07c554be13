"""On PostgreSQL, a save of the preferences page that lifts a kept unsubscribe (the pause box
unticked) waits for a lock another session holds on that unsubscribe before it writes the
profile file: while it waits the file is as it was, and once the lock is gone both are done (the
lift and the file). Was: the file written first, then the wait (and on SQLite, where the wait
ends, a 503 after the file changed: tests/web/test_save_lift_held.py). The real app on a loopback
port, ada's form POSTed with its token, a second real session holding the row (FOR UPDATE)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg
import pytest
import yaml
from helpers.pg_waits import waiting_for_a_lock

from digest.db import is_postgres
from digest.deliver.suppressions import Suppressions
from digest.signing import Signer
from digest.store import Store

from conftest import NOW, SECRET, WebWorkspace

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests:\n  robotics: 2\n"
HANG = 120  # seconds: only a save that hangs takes this long


def test_a_save_that_lifts_a_kept_unsubscribe_writes_the_file_only_once_it_is_lifted(
    tmp_path, smtp_server, database, monkeypatch
):
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's: test_save_lift_held.py)")
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, smtp_server.port, database)
    path = ws.profile("ada", ADA)
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)  # a one-click while her file was broken
        kept = Suppressions(store).unsubscribed("ada")
    signer = Signer.from_config(ws.config)
    token = signer.token("ada", NOW)
    form = {  # the page as drawn, its pause box (ticked for the unsubscribe) unticked, a later hour
        "csrf": signer.form_token(token),
        "kw": "robotics",
        "weight": "2",
        "send_at": "08:15",
        "kept_unsubscribe": kept.at.isoformat(),
    }
    answered: list[int] = []

    def save() -> None:
        data = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(f"{ws.base_url}/u/{token}", data=data, timeout=HANG) as answer:
            answered.append(answer.status)

    with ws.serve():
        other = psycopg.connect(str(database))  # another session, in a transaction holding her row
        try:
            assert other.execute("SELECT * FROM suppressions WHERE \"user\" = 'ada' FOR UPDATE").fetchall()
            saving = threading.Thread(target=save)
            saving.start()
            deadline = time.monotonic() + HANG
            while not waiting_for_a_lock(str(database)):  # the save has come to the lift
                assert time.monotonic() < deadline and saving.is_alive(), answered
                time.sleep(0.05)
            assert path.read_text() == ADA  # not written while the unsubscribe is not lifted
        finally:
            other.rollback()
            other.close()
        saving.join(HANG)
    assert answered == [200]  # its 303 followed: the page again
    assert yaml.safe_load(path.read_text())["send_at"] == "08:15"
    with Store(ws.config.database) as store:
        assert Suppressions(store).unsubscribed("ada") is None


def test_an_undo_of_the_unsubscribe_held_past_the_wait_is_a_503_nothing_changed(
    tmp_path, smtp_server, database, monkeypatch, caplog
):
    """The undo-unsubscribe page lifts the reader's suppressions before it writes the file
    (web.unsubscribe._Releasing): a row another session holds past the lift's bound (30 s, or the
    operator's shorter lock_timeout, here PGOPTIONS' 2 s) is the 503 that asks to try again, the
    file still pausing the reader, the unsubscribe kept; the log says who holds it."""
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL")
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=2s")  # the served app's sessions: the operator's
    ws = WebWorkspace(tmp_path, smtp_server.port, database)
    path = ws.profile("ada", ADA + "paused: true\n")
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
    signer = Signer.from_config(ws.config)
    token = signer.token("ada", NOW)
    data = urllib.parse.urlencode({"csrf": signer.form_token(token)}).encode()
    with ws.serve():
        other = psycopg.connect(str(database), application_name="held by the test")
        try:
            assert other.execute("SELECT * FROM suppressions WHERE \"user\" = 'ada' FOR UPDATE").fetchall()
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{ws.base_url}/u/{token}/resubscribe", data=data, timeout=HANG)
        finally:
            other.rollback()
            other.close()
    assert refused.value.code == 503 and refused.value.headers["Retry-After"], refused.value.headers
    assert "try again" in refused.value.read().decode().lower()
    assert path.read_text() == ADA + "paused: true\n"  # not written: still paused
    with Store(ws.config.database) as store:
        assert Suppressions(store).unsubscribed("ada") is not None
    assert "ada's suppression stayed locked by another session for 2 s (held by pid " in caplog.text, (
        caplog.text
    )
