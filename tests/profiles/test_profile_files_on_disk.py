"""Profile files as they land on disk: the mode a new one gets, and where no hard link can be made."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

import pytest
from helpers.disks import exfat_disk

from conftest import AS_NOBODY, READING, ROOT


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_profile_gets_the_mode_the_umask_gives_and_an_edit_keeps_the_files_mode(workspace, umask, mode):
    # before, `profile new` made its file 0600 (mkstemp's) whatever the umask, where the user's own
    # files are 0644: a daemon run as a service account, or a backup, could not read it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]

    def run(*args: str) -> None:
        masked = functools.partial(os.umask, umask)  # the umask the user's shell gives
        subprocess.run([*cmd, *args], env=env, check=True, capture_output=True, preexec_fn=masked)

    run("new", "ada", "--email", "ada@example.org", "-i", "soup")
    path = workspace.root / "profiles" / "ada.yaml"
    assert path.stat().st_mode & 0o777 == mode
    path.chmod(0o604)  # the user's own choice, kept by every edit
    run("add", "ada", "neuromorphic")
    assert path.stat().st_mode & 0o777 == 0o604 and "neuromorphic" in path.read_text()
    assert list(path.parent.glob(".*.tmp")) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_an_edit_keeps_the_files_owner_and_group(workspace):
    # before, `profile add` (and every save: the web page's, `profile set`) put a new file in place
    # with the writer's own owner and group: ada.yaml, root:nogroup 0640 for a daemon run as a
    # service account in that group, became root:root 0640, which the daemon could not read
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]
    subprocess.run([*cmd, "new", "ada", "--email", "ada@example.org", "-i", "soup"], env=env, check=True)
    path = workspace.root / "profiles" / "ada.yaml"
    os.chown(path, 0, 65534)
    path.chmod(0o640)
    subprocess.run([*cmd, "add", "ada", "neuromorphic"], env=env, check=True, capture_output=True)
    found = path.stat()
    assert (found.st_uid, found.st_gid, found.st_mode & 0o777) == (0, 65534, 0o640)
    os.chown(path, 65534, 65534)  # a user's own file, edited by root
    subprocess.run([*cmd, "add", "ada", "chips"], env=env, check=True, capture_output=True)
    found = path.stat()
    assert (found.st_uid, found.st_gid, found.st_mode & 0o777) == (65534, 65534, 0o640)
    assert "chips" in path.read_text() and list(path.parent.glob(".*.tmp")) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="running as another account needs root")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664)])
def test_a_profiles_lock_file_lets_an_account_that_may_edit_the_profile_edit_it(workspace, umask, mode):
    # before, `profile new` made .ada.yaml.lock 0600 whatever the umask, root's: a web page or
    # `digest profile` run as a service account in the profiles' group, given ada.yaml 0664 in a
    # folder it may write, was refused every edit ("cannot open the lock file ...: Permission denied")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]
    masked = functools.partial(os.umask, umask)
    folder = workspace.root / "profiles"
    os.chown(folder, 0, 65534)
    folder.chmod(0o2775)  # the group's folder: what is made there is the group's
    new = [*cmd, "new", "ada", "--email", "ada@example.org", "-i", "soup"]
    subprocess.run(new, env=env, check=True, capture_output=True, preexec_fn=masked)
    lock, path = folder / ".ada.yaml.lock", folder / "ada.yaml"
    assert lock.stat().st_mode & 0o777 == mode  # as the profile file's own
    path.chmod(0o664)  # the account may edit the profile
    add = [*AS_NOBODY, *READING, *cmd, "add", "ada", "robots"]
    done = subprocess.run(add, env=env, capture_output=True, text=True, preexec_fn=masked)
    assert done.returncode == 0, done.stderr
    assert "robots" in path.read_text() and list(folder.glob(".*.tmp")) == []


def test_profile_new_where_the_filesystem_makes_no_hard_links_puts_the_file_in_place(workspace, tmp_path):
    # write_atomic(new=True) links its file into place, which refuses a file made meanwhile; on a
    # filesystem without hard links (exFAT here: EPERM) it renames it into place instead
    with exfat_disk(tmp_path) as disk:
        (disk / "profiles").mkdir()
        config = disk / "config.yaml"
        database = f"database: {workspace.root}/"  # the database beside it, not on the exFAT disk
        config.write_text(workspace.config_path.read_text().replace("database: ", database))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "digest", "--config", str(config), "profile"]
        new = subprocess.run([*cmd, "new", "ada", "--email", "ada@example.org", "-i", "soup"], env=env)
        assert new.returncode == 0
        assert subprocess.run([*cmd, "add", "ada", "neuromorphic"], env=env).returncode == 0
        again = subprocess.run([*cmd, "new", "ada", "--email", "x@example.org", "-i", "x"], env=env)
        assert again.returncode == 1
        path = disk / "profiles" / "ada.yaml"
        assert "ada@example.org" in path.read_text() and "neuromorphic" in path.read_text()
        assert sorted(p.name for p in path.parent.iterdir()) == [".ada.yaml.lock", "ada.yaml"]


@pytest.mark.skipif(os.geteuid() != 0, reason="running as another account needs root")
def test_a_lock_file_an_earlier_release_made_0600_is_widened_by_its_owner(workspace):
    # before, a .ada.yaml.lock an earlier release made 0600 (root's `digest profile new`) stayed
    # 0600 for good: the service account in the profiles' group was refused every edit ("cannot
    # open the lock file that keeps two runs apart: Permission denied") though it may edit ada.yaml
    # (here nobody reads every file, to run the interpreter under /root: the mode tells it)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]
    masked = functools.partial(os.umask, 0o002)
    folder = workspace.root / "profiles"
    os.chown(folder, 0, 65534)
    folder.chmod(0o2775)
    new = [*cmd, "new", "ada", "--email", "ada@example.org", "-i", "soup"]
    subprocess.run(new, env=env, check=True, capture_output=True, preexec_fn=masked)
    lock, path = folder / ".ada.yaml.lock", folder / "ada.yaml"
    lock.chmod(0o600)  # as the earlier release left it
    path.chmod(0o664)
    subprocess.run([*cmd, "add", "ada", "chips"], env=env, check=True, capture_output=True, preexec_fn=masked)
    assert lock.stat().st_mode & 0o777 == 0o664  # its owner's edit widened it to what the umask gives
    add = [*AS_NOBODY, *READING, *cmd, "add", "ada", "robots"]
    done = subprocess.run(add, env=env, capture_output=True, text=True, preexec_fn=masked)
    assert done.returncode == 0, done.stderr
    assert "robots" in path.read_text()
    lock.chmod(0o666)  # wider than the umask gives: the owner's choice, never narrowed
    subprocess.run([*cmd, "add", "ada", "tiles"], env=env, check=True, capture_output=True, preexec_fn=masked)
    assert lock.stat().st_mode & 0o777 == 0o666
    os.chown(lock, 65534, 65534)  # another user's 0600 lock: root takes it as it is, mode unchanged
    lock.chmod(0o600)
    subprocess.run([*cmd, "add", "ada", "gears"], env=env, check=True, capture_output=True, preexec_fn=masked)
    assert lock.stat().st_mode & 0o777 == 0o600 and lock.stat().st_uid == 65534


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="setfacl (Debian's acl) is not installed")
def test_an_edit_keeps_the_files_acl_entries(workspace):
    # before, `profile add` (every write_atomic over a file) put a new file in place without the
    # old one's ACL entries: ada.yaml 0640 given to the account nobody by `setfacl -m u:nobody:r`
    # (a daemon run as it) could no longer be read by it ("Permission denied")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]
    subprocess.run([*cmd, "new", "ada", "--email", "ada@example.org", "-i", "soup"], env=env, check=True)
    path = workspace.root / "profiles" / "ada.yaml"
    path.chmod(0o640)
    given = subprocess.run(["setfacl", "-m", "u:nobody:r", str(path)], capture_output=True, text=True)
    if given.returncode != 0:
        pytest.skip(f"this filesystem keeps no ACL: {given.stderr.strip()}")
    acl = subprocess.run(["getfacl", "-p", str(path)], capture_output=True, text=True, check=True).stdout
    assert "user:nobody:r--" in acl

    def read_by_nobody() -> subprocess.CompletedProcess[str]:  # from within the folder (tmp_path is 0700)
        return subprocess.run([*AS_NOBODY, "cat", path.name], cwd=path.parent, capture_output=True, text=True)

    root = os.geteuid() == 0  # the account given access reads it (running as another needs root)
    assert not root or read_by_nobody().returncode == 0
    subprocess.run([*cmd, "add", "ada", "neuromorphic"], env=env, check=True, capture_output=True)
    assert "neuromorphic" in path.read_text()
    assert subprocess.run(["getfacl", "-p", str(path)], capture_output=True, text=True).stdout == acl
    assert path.stat().st_mode & 0o777 == 0o640
    if root:  # and the file written anew
        read = read_by_nobody()
        assert read.returncode == 0 and "neuromorphic" in read.stdout, read.stderr


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="setfacl (Debian's acl) is not installed")
def test_an_edit_gives_a_file_without_acl_entries_none_from_the_folders_default(workspace):
    # before, ada.yaml whose owner took nobody's entry off (`setfacl -b`, the folder's default ACL
    # giving it to every new file) had it back after `profile add`: the file written anew took the
    # folder's default entries and the old file had none to carry over, so nobody read it again
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "profile"]
    folder = workspace.root / "profiles"
    given = subprocess.run(["setfacl", "-d", "-m", "u:nobody:r", str(folder)], capture_output=True, text=True)
    if given.returncode != 0:
        pytest.skip(f"this filesystem keeps no ACL: {given.stderr.strip()}")
    subprocess.run([*cmd, "new", "ada", "--email", "ada@example.org", "-i", "soup"], env=env, check=True)
    path = folder / "ada.yaml"

    def entries() -> str:
        return subprocess.run(["getfacl", "-cp", str(path)], capture_output=True, text=True).stdout

    assert "user:nobody:r--" in entries()  # a new file takes the folder's default, as any program's
    subprocess.run(["setfacl", "-b", str(path)], check=True)
    path.chmod(0o640)
    taken_off = entries()
    assert "nobody" not in taken_off
    subprocess.run([*cmd, "add", "ada", "neuromorphic"], env=env, check=True, capture_output=True)
    assert "neuromorphic" in path.read_text()
    assert entries() == taken_off
    assert path.stat().st_mode & 0o777 == 0o640
