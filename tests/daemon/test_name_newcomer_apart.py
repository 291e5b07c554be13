"""`digest profile url` and `digest serve` run with a config whose settings are not the running
workers' (another profiles folder) do not move a removed reader's history aside for the file made
by hand under their name (names.start_afresh refuses, as `profile new` does): they print the link
all the same and say why nothing was moved, as the settings' fault with what to do about them,
not as a database that could not be read or written (the real commands, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.newcomer_name import HANG, archived, records, until_link, ws, zed_after_ada  # noqa: F401  (the fixture)

from digest.daemon.agree import worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.db import wall_clock
from digest.store import Store

from conftest import WebWorkspace

pytestmark = pytest.mark.backends


@pytest.fixture
def apart(ws) -> Iterator[WebWorkspace]:  # noqa: F811
    """zed's ada.yaml made by hand after ada's removal was noted, and a worker running with another
    profiles folder than ``ws``'s config (on SQLite, the test holds the worker's lock for it)."""
    zed_after_ada(ws)
    (ws.root / "workers").mkdir()
    workers = WebWorkspace(ws.root / "workers", 2525, database=str(ws.config.database))
    workers.profile("eve", "email: eve@example.org\ninterests: [robotics]\n")
    now = wall_clock()
    with Store(ws.config.database) as store:
        heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(workers.config))
    with RunLock(ws.config.database).acquire(worker="app1:7:abcd"):
        yield workers


SETTINGS = "its settings differ from those of the workers on this database (worker app1:7:abcd)"
WHAT_TO_DO = "run it with the workers' config (the same settings and profiles folder)"


def said_of_the_settings(stderr: str) -> None:
    assert SETTINGS in stderr and WHAT_TO_DO in stderr, stderr
    assert "database could not be read or written" not in stderr, stderr


def test_profile_url_with_other_settings_than_the_workers_says_the_settings_not_the_database(ws, apart):  # noqa: F811
    url = ws.cli("profile", "url", "ada")
    assert url.exit_code == 0, url.output
    assert url.stdout.strip().startswith(ws.base_url + "/u/")
    said_of_the_settings(url.stderr)
    assert "a removed reader's history under ada, if any, was not moved aside" in url.stderr
    assert "`digest profile url ada` would" in url.stderr and "The link is printed all the same" in url.stderr
    assert archived(ws) == [] and records(ws, "ada")["ratings"] == 1  # nothing moved by this config


def test_serve_with_other_settings_than_the_workers_says_the_settings_not_the_database(ws, apart):  # noqa: F811
    with ws.serve_process(HANG) as proc:
        until_link(proc, "ada")
        proc.terminate()
        stderr = proc.stderr.read()
    said_of_the_settings(stderr)
    assert "`digest serve` would" in stderr and "The links are printed all the same" in stderr
    assert archived(ws) == [] and records(ws, "ada")["ratings"] == 1
