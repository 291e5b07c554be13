"""A reader whose profile file is renamed (eve.yaml -> eve-smith.yaml: digest.daemon.renamed)
keeps what the passes noted of their send time (digest.store_missed), as they keep their schedule:
a send time said missed is not said again under the new name, and one passed while they were
paused is not missed once they are unpaused. Before, the note stayed with the old name: the pass
after the rename said "eve-smith's digest of 2026-12-07 00:00 UTC not sent within the 240-minute
grace" though the pass before had said it of eve, and a reader paused over their send time,
renamed and unpaused was said missed. `digest status` names the renamed reader's missed send time
as before (a state). Real passes (helpers.ticks: run_once, as `digest run --once`) under a chosen clock, the
profile files renamed on disk, a real store (SQLite and PostgreSQL), aiosmtpd."""

from __future__ import annotations

import pytest
from helpers.missed_history import at, reader, sunday_served_monday_waiting
from helpers.ticks import tick

from digest.daemon.status import collect_status, format_status

pytestmark = pytest.mark.backends


def test_a_renamed_readers_missed_send_time_is_not_said_again_nor_their_pause_forgotten(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    for user in ("eve", "cy"):
        ws.profile(user, reader(user))
    sunday_served_monday_waiting(ws)
    assert len(smtp_server.messages) == 2
    ws.profile("cy", reader("cy", paused=True))
    # nothing ran over Monday's midnight: the first pass past the grace says eve, notes cy paused
    assert tick(ws, at(7, 4, 56)).missed == (("eve", at(7, 0), "UTC"),)
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    (folder / "cy.yaml").unlink()
    ws.profile("cy-lee", reader("cy"))  # renamed and unpaused at once
    report = tick(ws, at(7, 5, 1))
    assert report.missed == ()
    assert "not sent within" not in report.idle(), report.idle()
    status = format_status(collect_status(ws.config, at(7, 5, 2))).splitlines()
    eve = next(x for x in status if x.startswith("eve-smith "))
    assert "no digest at 2026-12-07 00:00 UTC (not sent within the 240-minute grace)" in eve, eve
    cy = next(x for x in status if x.startswith("cy-lee "))
    assert "not sent within" not in cy, cy
