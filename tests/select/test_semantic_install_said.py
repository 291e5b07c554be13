"""The extra's install line said when semantic matching is on and the extra is missing: commands
that install it into the Python digest runs on, from wherever digest was started, not the README's
`.venv/bin/pip`, relative to the clone's folder (which --help and the README still quote). A real
`digest` process, started in the workspace's folder."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import digest
from digest.config import SEMANTIC_INSTALL

from conftest import make_dump

HANG = 300  # seconds: only a process that hangs takes this long


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is not None, reason="the semantic extra is installed"
)
def test_the_install_line_is_for_the_python_digest_runs_on_from_any_folder(workspace):
    """Shown from a scratch folder: `digest --semantic rank ada` said "... install the extra in the
    clone digest was installed from, as the README says (Semantic matching): .venv/bin/pip install
    torch==2.13.0 && .venv/bin/pip install -e '.[semantic]'", and there was no .venv there."""
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    workspace.dump("d.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    assert workspace.cli("ingest").exit_code == 0
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "--semantic"]
    done = subprocess.run(
        command + ["rank", "ada"], cwd=workspace.root, capture_output=True, text=True, timeout=HANG
    )
    assert done.returncode == 1, done.stderr[-2000:]
    clone = Path(digest.__file__).resolve().parent.parent  # the tests run from a clone
    pip = f"{sys.executable} -m pip install"
    line = f"{pip} torch==2.13.0 && {pip} -e '{clone}[semantic]'"
    assert line in done.stderr, done.stderr
    assert ".venv/bin/pip" not in done.stderr
    assert SEMANTIC_INSTALL.startswith(".venv/bin/pip install torch==2.13.0")  # the README's, quoted
    assert SEMANTIC_INSTALL in (clone / "README.md").read_text()


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is not None, reason="the semantic extra is installed"
)
def test_installed_from_a_wheel_the_clone_is_a_placeholder_in_one_pair_of_quotes(tmp_path, workspace):
    """digest installed as pip installs a wheel (no clone beside digest/): the clone's folder is
    not known, and the line says a placeholder for it, not one the shell's quoting garbled
    ('<digest'"'"'s clone>[semantic]')."""
    from helpers.installed import installed

    installed(tmp_path / "site")
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    workspace.dump("d.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    assert workspace.cli("ingest").exit_code == 0
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "--semantic"]
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        command + ["rank", "ada"], cwd=workspace.root, env=env, capture_output=True, text=True, timeout=HANG
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "from the clone it was installed from" in done.stderr, done.stderr
    assert "'\"'\"'" not in done.stderr, done.stderr  # a quote the shell's quoting made of one
    line = f"{sys.executable} -m pip install -e '<path of the digest clone>[semantic]'"
    assert line in done.stderr, done.stderr
