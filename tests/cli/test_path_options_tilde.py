"""``--dir=~/demo``, ``--to-dir=~/out``: bash leaves a ``~`` after ``=`` as it is; the path options
take it as the home folder, as ``--config`` does, not as a folder named "~" in the current one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_dir_after_equals_is_in_the_home_folder(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}, "HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "digest", "demo", "--dir=~/demo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (home / "demo" / "config.yaml").is_file()
    assert not (cwd / "~").exists()
    assert str(home / "demo" / "config.yaml") in done.stdout
