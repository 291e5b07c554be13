"""A data folder a group shares (`chmod 2775`, each account's umask 002): the database one
account's `digest` makes, the others of the group write too, with no `chmod g+w digest.db`."""

from __future__ import annotations

import datetime as dt
import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import AS_NOBODY, READING, Workspace, a_minute_ago, make_dump

ADA = 'email: ada@example.org\ninterests: [neuromorphic, spiking]\nsend_at: "07:30"\n'
ADMIN = (*AS_NOBODY[:1], "--reuid=1001", *AS_NOBODY[2:], *READING)  # uid 1001, group nogroup
DAEMON = (*AS_NOBODY, *READING)  # nobody, group nogroup


def ingest(
    ws: Workspace, name: str, title: str, who: tuple[str, ...], umask: int
) -> subprocess.CompletedProcess:
    """`digest ingest` of a new dump, as a real process run by ``who`` with ``umask``."""
    ws.dump(
        name,
        make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [(title, "Spikes."), ("Soup", "Soup.")]),
        mtime=a_minute_ago(),
    )
    return subprocess.run(
        [*who, sys.executable, "-m", "digest", "--config", str(ws.config_path), "ingest"],
        capture_output=True,
        text=True,
        cwd=ws.root.parent,
        timeout=120,
        preexec_fn=functools.partial(os.umask, umask),
    )


def modes(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode & 0o777 for p in root.glob("digest.db*") if not p.name.endswith("lock")}


@pytest.fixture
def shared() -> Workspace:
    if os.geteuid() != 0:
        pytest.skip("running as other accounts needs root")
    # (not under tmp_path, whose parents only root may search: see test_preview_read_only)
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        ws = Workspace(root)
        os.chown(root, 0, 65534)
        root.chmod(0o2775)  # the group's folder
        ws.profile("ada", ADA)
        for folder in (root / "inbox", root / "profiles"):
            os.chown(folder, 0, 65534)
            folder.chmod(0o2775)
        yield ws


def test_a_database_one_account_of_the_group_made_is_written_by_another(shared):
    # Before, SQLite made digest.db 0644 whatever the umask: the daemon's account was refused
    # ("the database is read-only ...") until the admin ran `chmod g+w digest.db`
    made = ingest(shared, "a.txt", "Neuromorphic Chips", ADMIN, 0o002)
    assert made.returncode == 0, made.stderr
    assert modes(shared.root)["digest.db"] == 0o664
    other = ingest(shared, "b.txt", "Neuromorphic Vision", DAEMON, 0o002)
    assert other.returncode == 0, other.stderr
    assert "Neuromorphic Vision" not in other.stderr and "1 new paper" in other.stdout, other.stdout
    again = ingest(shared, "c.txt", "Spiking Sensors", ADMIN, 0o002)  # the -wal, -shm nobody's made
    assert again.returncode == 0, again.stderr
    assert set(modes(shared.root).values()) == {0o664}, modes(shared.root)


def test_a_database_made_under_umask_022_stays_0644_and_one_made_before_is_not_changed(shared):
    made = ingest(shared, "a.txt", "Neuromorphic Chips", ADMIN, 0o022)
    assert made.returncode == 0, made.stderr
    assert modes(shared.root)["digest.db"] == 0o644
    again = ingest(shared, "b.txt", "Neuromorphic Vision", ADMIN, 0o002)  # never widened, nor narrowed
    assert again.returncode == 0, again.stderr
    assert modes(shared.root)["digest.db"] == 0o644
