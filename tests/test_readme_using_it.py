"""README's "Using it" block, followed as written by a new user in a folder of their own: its
profile step was `$EDITOR profiles/ada.yaml`, which where no EDITOR is set (as on a fresh
machine's account) runs the profile's path as a command, "bash: profiles/ada.yaml: No such file
or directory", and leaves them no profile and no word of what to write in it. The step is
`digest profile new`, which writes the file with its settings commented in."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _using_it() -> list[str]:
    """The lines of the README's first sh block under "## Using it", their comments left off."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## Using it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines()]


def test_no_step_needs_a_variable_a_new_account_may_not_have():
    assert not [line for line in _using_it() if "$EDITOR" in line or "$VISUAL" in line]


def test_the_profile_steps_run_as_written_in_a_new_folder(tmp_path):
    lines = _using_it()
    assert lines[1] == "cp config.example.yaml config.yaml" and lines[2] == "mkdir -p inbox profiles"
    shutil.copy(ROOT / "config.example.yaml", tmp_path / "config.yaml")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "profiles").mkdir()
    (made,) = [line for line in lines if line.startswith("digest profile new ")]
    (added,) = [line for line in lines if line.startswith("digest profile add ")]
    assert lines.index(made) < lines.index(added) < lines.index("digest serve")
    for line in (made, added):
        done = subprocess.run(
            [sys.executable, "-m", "digest", *shlex.split(line)[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, (line, done.stdout, done.stderr)
    shown = subprocess.run(
        [sys.executable, "-m", "digest", "profile", "show", "ada"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "spiking neural networks  1" in shown and "event cameras            2" in shown, shown
