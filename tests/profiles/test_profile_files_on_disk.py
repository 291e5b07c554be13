"""Profile files as they land on disk: the mode a new one gets, and where no hard link can be made."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest

from conftest import ROOT


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
