"""On SQLite, the run lock's files beside the database in a data folder a group shares (its admin
and the service account the daemon runs as): made with the mode the umask gives any new file, as
the database's other files are, so an account of the group may take the lock that another made."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest

from conftest import AS_NOBODY, READING, ROOT, Workspace


@pytest.mark.skipif(os.geteuid() != 0, reason="running as another account needs root")
def test_a_run_lock_its_admin_made_under_the_groups_umask_lets_the_service_account_run(tmp_path):
    # before, digest.db.lock was made 0644 whatever the umask: in a folder of the group (2775,
    # umask 002) whose admin ran `digest send` first and gave the group the database (chmod g+w
    # digest.db), the daemon's account in that group was refused every run ("digest.db.lock: cannot
    # open the lock file that keeps two runs apart: Permission denied"), its other files 0664
    ws = Workspace(tmp_path)
    os.chown(tmp_path, 0, 65534)
    tmp_path.chmod(0o2775)  # the group's folder: what is made there is the group's
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
    masked = functools.partial(os.umask, 0o002)
    subprocess.run([*cmd, "send"], env=env, check=True, capture_output=True, preexec_fn=masked)
    (tmp_path / "digest.db").chmod(0o664)  # the admin gives the group the database
    run = subprocess.run(
        [*AS_NOBODY, *READING, *cmd, "run", "--once"],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=masked,
    )
    assert run.returncode == 0, run.stderr
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("digest.db.*lock")}
    assert modes == {"digest.db.lock": 0o664, "digest.db.worker.lock": 0o664}  # as the umask gives
