"""README's "Run the tests" block was one line ending in a bare `.venv/bin/pytest`: a new
contributor following it started the whole suite, about an hour, told neither how long it takes
nor how to run the one file they are working on. The block says both, each a line that runs."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _block() -> tuple[str, list[str]]:
    """The words after "**Run the tests:**" up to its block, and the block's lines."""
    after = (ROOT / "README.md").read_text(encoding="utf-8").split("**Run the tests:**", 1)[1]
    said, block = after.split("```sh\n", 1)
    return said, block.split("```", 1)[0].splitlines()


def test_the_readme_says_how_long_the_suite_takes_and_how_to_run_one_file():
    said, lines = _block()
    assert "about an hour" in said and "one file" in said
    (whole,) = [line for line in lines if line.split("#", 1)[0].split() == [".venv/bin/pytest", "-q"]]
    assert "about an hour" in whole
    (one,) = [line for line in lines if line.endswith("# one file")]
    words = shlex.split(one, comments=True)
    assert words[0] == ".venv/bin/pytest" and (ROOT / words[-1]).is_file(), words
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", *words[1:], "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0 and f"{words[-1]}: " in collected.stdout, collected.stdout[-500:]
