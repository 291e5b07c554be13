"""``--config=~/where.yaml``: bash leaves a ``~`` after ``=`` (and in quotes, as in
``DIGEST_CONFIG="~/where.yaml"``) as it is, and `digest` gets it literally. The path is the
user's home folder's, as the shell would have made it; a message names the path expanded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ADA = "email: ada@example.org\ninterests: [spiking neural networks]\n"


def digest(*args: str, home: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real `digest` program, run as a user runs it in a shell at ``cwd``, with ``home`` as $HOME."""
    env = {**{k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}, "HOME": str(home), **env}
    command = [sys.executable, "-m", "digest", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def home_with_a_config(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "profiles").mkdir(parents=True)
    (home / "profiles" / "ada.yaml").write_text(ADA)
    (home / "where.yaml").write_text("database: digest.db\ninbox: inbox\nprofiles: profiles\n")
    (tmp_path / "elsewhere").mkdir()
    return home


def test_a_config_given_as_tilde_after_equals_is_the_one_in_the_home_folder(tmp_path):
    home = home_with_a_config(tmp_path)
    ran = digest("--config=~/where.yaml", "suppressed", home=home, cwd=tmp_path / "elsewhere")
    # before: "Error: ~/where.yaml: no such configuration file in .../elsewhere (the current folder)"
    assert ran.returncode == 0 and ran.stdout == "No suppressed readers.\n", ran.stderr


def test_a_config_given_as_tilde_in_digest_config_is_the_one_in_the_home_folder(tmp_path):
    home = home_with_a_config(tmp_path)
    ran = digest("suppressed", home=home, cwd=tmp_path / "elsewhere", DIGEST_CONFIG="~/where.yaml")
    assert ran.returncode == 0 and ran.stdout == "No suppressed readers.\n", ran.stderr


def test_a_tilde_config_not_there_is_named_expanded(tmp_path):
    home = home_with_a_config(tmp_path)
    refused = digest("--config=~/nope.yaml", "suppressed", home=home, cwd=tmp_path / "elsewhere")
    assert refused.returncode == 1
    assert f"{home / 'nope.yaml'}: no such configuration file" in refused.stderr, refused.stderr
    assert "~/nope.yaml" not in refused.stderr, refused.stderr
