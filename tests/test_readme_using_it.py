"""README's "Using it" block, followed as written by a new user in a folder of their own: its
profile step was `$EDITOR profiles/ada.yaml`, which where no EDITOR is set (as on a fresh
machine's account) runs the profile's path as a command, "bash: profiles/ada.yaml: No such file
or directory", and leaves them no profile and no word of what to write in it. The step is
`digest profile new`, which writes the file with its settings commented in."""

from __future__ import annotations

import os
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


def test_the_first_steps_run_as_written_in_a_folder_of_its_own(tmp_path):
    """Before: the block's second line was `cp config.example.yaml config.yaml`, which in a folder
    outside the clone (digest installed with pip from elsewhere, or a folder of one's own) says
    "cp: cannot stat 'config.example.yaml': No such file or directory", and every step after it
    "config.yaml: no such configuration file". Its lines up to the profile's are run here by a shell,
    as written, in a new folder, with the virtualenv's commands (`digest`, `python`) on the PATH."""
    lines = _using_it()
    (made,) = [line for line in lines if line.startswith("digest profile new ")]
    (added,) = [line for line in lines if line.startswith("digest profile add ")]
    assert lines.index(made) < lines.index(added) < lines.index("digest serve")
    steps = "set -e\n" + "\n".join(lines[: lines.index(made) + 1]) + "\n" + added + "\n"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", steps],
        cwd=tmp_path,
        env=os.environ | {"PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (steps, done.stdout, done.stderr)
    assert (tmp_path / "config.yaml").read_text() == (ROOT / "config.example.yaml").read_text()
    shown = subprocess.run(
        [sys.executable, "-m", "digest", "profile", "show", "ada"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "spiking neural networks  1" in shown and "event cameras            2" in shown, shown
