"""ada, of the preferences page's tests, whose unsubscribe is kept in the database (a one-click
asked while her file could not be read): her file, a day's paper ingested, the unsubscribe; and
whether it is still kept."""

from __future__ import annotations

from pathlib import Path

from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import NOW, WebWorkspace, make_dump

ADA = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"


def ada_unsubscribed(ws: WebWorkspace) -> Path:
    """ada's file (ADA), a paper of robotics ingested, her unsubscribe kept: her file's path."""
    path = ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)  # a one-click while her file was broken
    return path


def kept(ws: WebWorkspace):
    """ada's unsubscribe as the database keeps it (None: none kept)."""
    with Store(ws.config.database) as store:
        return Suppressions(store).unsubscribed("ada")
