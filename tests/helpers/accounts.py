"""Running `digest` as another account (`nobody`, through setpriv) in the tests that need one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest


def system_python() -> str:
    """An interpreter every account may run (this one's files may be under /root), of this one's
    version (the venv's packages are its): `nobody` runs it without reading what it may not."""
    found = shutil.which("python3", path="/usr/bin:/usr/local/bin")
    if os.geteuid() != 0 or found is None:
        pytest.skip("running as another account needs root and a python3 every account may run")
    version = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True)
    if version.stdout.decode().strip() != str(sys.version_info[:2]):
        pytest.skip(f"{found} is not Python {sys.version_info[:2]}")
    return found
