"""A real `digest` process as a test runs it, as another account or umask if asked (digest), and ada's
listing of today taken in by it (listed, ADA): what the tests of a database not the runner's use."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from conftest import Workspace, a_minute_ago, make_dump

ADA = 'email: ada@example.org\ninterests: [neuromorphic, spiking]\nsend_at: "07:30"\n'


def digest(
    ws: Workspace,
    *args: str,
    env: dict[str, str] | None = None,
    before: tuple[str, ...] = (),
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """A real `digest` process (the clone's code: the test's PYTHONPATH is passed on); ``before``:
    what runs it (setpriv: as another account), ``preexec_fn``: set in it first (its umask)."""
    return subprocess.run(
        [*before, sys.executable, "-m", "digest", "--config", str(ws.config_path), *args],
        capture_output=True,
        text=True,
        cwd=ws.root.parent,
        env={**os.environ, **(env or {})},
        timeout=120,
        preexec_fn=preexec_fn,
    )


def listed(ws: Workspace, name: str, title: str, **how: Any) -> None:
    ws.dump(
        name,
        make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [(title, "Spikes."), ("Soup", "Soup.")]),
        mtime=a_minute_ago(),
    )
    ingested = digest(ws, "ingest", **how)
    assert ingested.returncode == 0, ingested.stderr
