"""On SQLite, the run lock's files beside the database in a data folder a group shares (its admin
and the service account the daemon runs as): made with the mode the umask gives any new file, as
the database's other files are, so an account of the group may take the lock that another made;
where it may not, the refusal says whose file it is and what to do."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest

from conftest import AS_NOBODY, READING, ROOT, Workspace

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="running as another account needs root")


def admin_then_service(tmp_path, umask: int) -> subprocess.CompletedProcess:
    """In a folder of group nogroup (2775), root's `digest send` under ``umask``, the database then
    given to the group (chmod g+w digest.db); then `digest run --once` as nobody, of that group."""
    ws = Workspace(tmp_path)
    os.chown(tmp_path, 0, 65534)
    tmp_path.chmod(0o2775)  # the group's folder: what is made there is the group's
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
    masked = functools.partial(os.umask, umask)
    subprocess.run([*cmd, "send"], env=env, check=True, capture_output=True, preexec_fn=masked)
    (tmp_path / "digest.db").chmod(0o664)
    service = [*AS_NOBODY, *READING, *cmd, "run", "--once"]
    return subprocess.run(service, env=env, capture_output=True, text=True, preexec_fn=masked)


def test_a_run_lock_its_admin_made_under_the_groups_umask_lets_the_service_account_run(tmp_path):
    # before, digest.db.lock was made 0644 whatever the umask: the daemon's account in the group
    # was refused every run ("digest.db.lock: cannot open the lock file that keeps two runs apart:
    # Permission denied"), the database's other files 0664
    run = admin_then_service(tmp_path, 0o002)
    assert run.returncode == 0, run.stderr
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("digest.db.*lock")}
    assert modes == {"digest.db.lock": 0o664, "digest.db.worker.lock": 0o664}  # as the umask gives


def test_a_run_lock_the_service_account_may_not_write_is_said_as_the_files_not_the_folders(tmp_path):
    # under umask 022 the lock is 0644, root's: refused, rightly, but said "the folder must be
    # writable for this command", of a folder the account may write
    run = admin_then_service(tmp_path, 0o022)
    lock = tmp_path / "digest.db.lock"
    assert run.returncode == 1
    said = f"{lock}: cannot open the lock file that keeps two runs apart: Permission denied"
    assert f"{said}; it is root's, mode 0644" in run.stderr and f"`chmod g+w {lock}`" in run.stderr, (
        run.stderr
    )
    assert "folder" not in run.stderr, run.stderr
