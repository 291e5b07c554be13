"""The config's own ``timezone:`` (the default of every profile that names none) that is a name kept
for old systems (EST: UTC-5 all year) is said where a user reads it: in `digest status`, and by
the daemon once (at its first pass, and again when the config is edited to another such zone),
not at every pass."""

from __future__ import annotations

import datetime as dt
import logging

from helpers.ticks import Passes

MON_0700 = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def with_timezone(ws, zone: str) -> None:
    text = ws.config_path.read_text()
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("timezone:"))
    ws.config_path.write_text(text + f"timezone: {zone}\n")


def test_digest_status_says_a_config_timezone_kept_for_old_systems(workspace):
    ws = workspace
    with_timezone(ws, "EST")
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\ntimezone: Europe/Paris\n")
    out = ws.cli("status").output
    assert f"{ws.config_path}: timezone: EST (the default of the profiles that name none) is UTC-5" in out
    assert "America/New_York" in out
    with_timezone(ws, "America/New_York")
    assert "timezone:" not in ws.cli("status").output


def test_the_daemon_says_it_once_and_again_when_the_config_names_another(workspace, caplog):
    ws = workspace
    with_timezone(ws, "Etc/GMT+5")
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    caplog.set_level(logging.WARNING, logger="digest")
    passes = Passes(ws, MON_0700)
    passes.minutes(3)
    said = [r.getMessage() for r in caplog.records if "timezone:" in r.getMessage()]
    assert said == [
        f"note: {ws.config_path}: timezone: Etc/GMT+5 (the default of the profiles that name none) is UTC-5 "
        "all year, not UTC+5: the sign of an Etc/GMT name is the reverse of the offset it names, and it "
        "follows no daylight saving: name the place whose time you mean, e.g. Europe/Paris"
    ]
    caplog.clear()
    with_timezone(ws, "EST5EDT")
    passes.next()
    passes.next()
    said = [r.getMessage() for r in caplog.records if "timezone:" in r.getMessage()]
    assert len(said) == 1 and "timezone: EST5EDT" in said[0]
