"""Where digest tells a user what to install for semantic matching, it gives the README's install
line (Semantic matching), not the extra's name: `pip install 'digest[semantic]'` asks PyPI for a
project named digest (this one is installed from its clone), and PyPI's torch is its CUDA build."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from digest.cli import main
from digest.config import SEMANTIC_INSTALL

from conftest import ROOT


def readme_install_line() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Semantic matching** (optional)") :]
    block = section[section.index("```sh\n") + len("```sh\n") :]
    return block[: block.index("\n")]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_digest_help_gives_the_readmes_install_line_for_semantic():
    said = flat(CliRunner().invoke(main, ["--help"]).output)
    assert "digest[semantic]" not in said, said
    assert readme_install_line() in said, said


def test_the_install_line_digest_says_and_the_example_config_are_the_readmes():
    line = readme_install_line()
    assert line == SEMANTIC_INSTALL  # what --help and the missing extra's message say
    example = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    assert "digest[semantic]" not in example
    assert line in flat(example.replace("\n# ", " "))


def test_digest_help_gives_the_install_line_whole_on_a_line_of_its_own():
    # the --semantic option's help held it, wrapped: "... .venv/bin/pip install -e" on one line,
    # "'.[semantic]'), or not; ..." on the next, which copied from the terminal ran without it
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.strip() == readme_install_line()]
    assert len(line) <= 80, line  # within the terminal's width: nothing of it wraps
