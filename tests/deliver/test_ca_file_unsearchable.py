"""A smtp.ca_file in a folder the account running digest may not search (0700, another's) is
said as the ca_file that "cannot be read: Permission denied": by the config check when
config.yaml is read, and at a connection (a daemon reads the file again at each one). Before,
both raised PermissionError from the path's existence check (a traceback, an "internal error"),
where the connection said "cannot be read: Permission denied" before the two were folded."""

from __future__ import annotations

import os
import site
import subprocess
from pathlib import Path

from helpers.accounts import system_python

from conftest import AS_NOBODY, ROOT

SCRIPT = """
import sys
from pathlib import Path
from digest.config import load_config
from digest.deliver.certificates import tls_context
from digest.errors import DigestError
config, ca = Path(sys.argv[1]), Path(sys.argv[2])
try:
    load_config(config)
except DigestError as e:
    print("config:", e)
smtp = type("Smtp", (), {"ca_file": ca})()
try:
    tls_context(smtp)
except DigestError as e:
    print("connection:", e)
"""


def test_a_ca_file_in_a_folder_not_searchable_cannot_be_read(tmp_path: Path) -> None:
    python = system_python()
    tmp_path.chmod(0o755)
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    ca = closed / "ca.pem"
    ca.write_text("not read\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"smtp:\n  security: starttls\n  ca_file: {ca}\n")
    config.chmod(0o644)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
    run = subprocess.run(
        [*AS_NOBODY, python, "-c", SCRIPT, str(config), str(ca)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr
    assert f"smtp.ca_file: {ca} cannot be read: Permission denied" in run.stdout, run.stdout
    assert (
        f"connection: smtp.ca_file: {ca} cannot be read: Permission denied (since the config was read)"
        in run.stdout
    ), run.stdout
