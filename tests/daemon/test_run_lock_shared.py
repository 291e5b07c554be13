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


def refused_by_the_lock(tmp_path, folder: tuple[int, int, int], lock: tuple[int, int, int]) -> str:
    """Root's `digest send` (umask 022) in a folder of owner, group and mode ``folder``; its lock
    file then given owner, group and mode ``lock``; `digest run --once` as nobody: what it says."""
    ws = Workspace(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
    masked = functools.partial(os.umask, 0o022)
    subprocess.run([*cmd, "send"], env=env, check=True, capture_output=True, preexec_fn=masked)
    made = tmp_path / "digest.db.lock"
    os.chown(made, lock[0], lock[1])
    made.chmod(lock[2])
    os.chown(tmp_path, folder[0], folder[1])
    tmp_path.chmod(folder[2])
    service = [*AS_NOBODY, *READING, *cmd, "run", "--once"]
    run = subprocess.run(service, env=env, capture_output=True, text=True, preexec_fn=masked)
    assert run.returncode == 1, run.stderr
    said = f"{made}: cannot open the lock file that keeps two runs apart: Permission denied; it is "
    assert said in run.stderr, run.stderr
    return run.stderr


# Before, each of these was told "give it write access (`chmod g+w <lock>` for an account of its
# group)", which would not let this account write it, or, in a folder it may not write, "the
# folder must be writable for this command", of a lock file that is there and refused


def test_a_lock_of_a_group_the_account_is_not_in_is_said_so(tmp_path):
    said = refused_by_the_lock(tmp_path, (65534, 65534, 0o755), (0, 0, 0o644))  # root's, group root
    lock = tmp_path / "digest.db.lock"
    assert "root's, mode 0644, which this account may not write: its group, root, is not one" in said
    assert f"(`chgrp GROUP {lock}`, a group this account is in) and write access for it" in said, said


def test_a_lock_of_the_account_itself_without_its_write_bit_is_given_it(tmp_path):
    said = refused_by_the_lock(tmp_path, (65534, 65534, 0o755), (65534, 65534, 0o444))
    lock = tmp_path / "digest.db.lock"
    assert (
        f"nobody's, mode 0444, which this account may not write: give it write access (`chmod u+w {lock}`)"
        in said
    )
    assert "g+w" not in said, said


def test_a_lock_there_in_a_folder_the_account_may_not_write_is_said_as_the_files(tmp_path):
    said = refused_by_the_lock(tmp_path, (0, 65534, 0o755), (0, 65534, 0o644))  # its group's
    lock = tmp_path / "digest.db.lock"
    assert "root's, mode 0644, which this account may not write: " in said, said
    assert f"give its group write access (`chmod g+w {lock}`; its group, nogroup, is this account's)" in said
    assert "the folder must be writable" not in said, said
