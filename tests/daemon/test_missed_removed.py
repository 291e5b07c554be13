"""A removed reader's note of their missed send time (digest.store_missed) stays with their other
records (schedule, deliveries, ratings: nothing deletes those either), and goes where they go
(digest.daemon.renamed.READER_TABLES): put back under the same name with the same address, the
reader is the same one, their send time said missed before is not said again (deleting the note
at the removal would have a pass say it again), and `digest status` names it as before; put back
with another address, the removed reader's history, the note with it, is kept apart under
NAME~removed-TIME, and the new reader, a newcomer, is not missed. Real passes (helpers.ticks) under
a chosen clock, the profile files removed and written again, a real store (SQLite and PostgreSQL),
aiosmtpd."""

from __future__ import annotations

import pytest
from helpers.missed_history import at, reader, sunday_served_monday_waiting
from helpers.ticks import tick

from digest.daemon.status import collect_status, format_status
from digest.store import Store

pytestmark = pytest.mark.backends

MISSED = "no digest at 2026-12-07 00:00 UTC (not sent within the 240-minute grace)"


def ada_in_status(ws, now) -> str:
    return next(x for x in format_status(collect_status(ws.config, now)).splitlines() if x.startswith("ada "))


@pytest.mark.parametrize("back_as", ["ada@example.org", "ada.new@example.org"])
def test_a_reader_removed_and_put_back_is_not_said_missed_again(mail_workspace, smtp_server, back_as):
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    ws.profile("bob", reader("bob").replace('"00:00"', '"12:00"'))  # the folder is not empty without ada
    sunday_served_monday_waiting(ws)
    assert tick(ws, at(7, 4, 56)).missed == (("ada", at(7, 0), "UTC"),)
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert tick(ws, at(7, 5, 1)).missed == ()  # her file found gone
    ws.profile("ada", reader("ada").replace("ada@example.org", back_as))
    report = tick(ws, at(7, 5, 6))
    assert report.missed == () and "not sent within" not in report.idle(), report.idle()
    line = ada_in_status(ws, at(7, 5, 7))
    with Store(ws.config.database, readonly=True) as store:
        noted = [r[0] for r in store.db.execute("SELECT user FROM missed_said")]
    if back_as == "ada@example.org":  # the same reader
        assert MISSED in line and noted == ["ada"], (line, noted)
    else:  # a new reader; the removed one's note kept apart with their history
        assert "not sent within" not in line and noted == ["ada~removed-20261207T050100Z"], (line, noted)
