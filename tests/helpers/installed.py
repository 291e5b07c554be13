"""This release laid out as pip installs it, for tests of what a running process reads after an
install (tests/test_upgrade_running.py) and of what an installed package holds beside its
templates (tests/compose/test_builtin_stray_files.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import digest
from digest.compose.jinja_env import builtin_templates


def installed(site: Path) -> Path:
    """This release laid out as pip installs it: site/digest, with its templates inside."""
    package = site / "digest"
    shutil.copytree(Path(digest.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    if not (package / "templates").is_dir():  # a source checkout: ./templates beside digest/
        shutil.copytree(builtin_templates(), package / "templates")
    return package / "templates"
