"""Where the running digest was installed from, and the command that installs it again from there:
what a damaged install is told to run (a built-in template missing, digest.compose.jinja_env).

pip records the source of a package it did not take from an index in its ``direct_url.json``
(PEP 610): a local folder (editable or not), an archive (a wheel file, an sdist, a URL), or a
version control URL with its commit. No such record: it was installed by name, from an index or a
--find-links folder, neither recorded: the command is said with the index to fill in ("digest" on
PyPI is another project). The command runs the Python that runs digest (``sys.executable -m
pip``), not a `pip` of whichever environment comes first on PATH, with ``--user`` for a user
install (without it, pip uninstalls the copy in ~/.local and installs one in the Python's own
site-packages, the `digest` command in ~/.local/bin gone with it), and with
``--break-system-packages`` for a distribution's Python that refuses pip without it (PEP 668's
EXTERNALLY-MANAGED): digest was installed in it so.
"""

from __future__ import annotations

import json
import site
import sys
import sysconfig
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from digest.shell_text import shell_word

NAME = "digest"


@dataclass(frozen=True)
class Reinstall:
    command: str | None  # the command to run, shell-quoted; None: see ``folder`` or ``unknown``
    folder: Path | None = None  # an editable install's folder (its files are the ones digest runs)
    gone: Path | None = None  # the folder or file the command installs from, no longer there
    # installed by name (from an index, or a --find-links folder: pip records neither): the command
    # to finish with the index's URL (``--index-url URL``); "digest" on PyPI is another project
    unknown: str | None = None


def reinstall(package: Path) -> Reinstall | None:
    """How to install the digest at ``package`` (its digest/ folder) again from where it came; None
    when no installed package's record is of that copy (digest run from a folder on PYTHONPATH)."""
    try:
        dist = metadata.distribution(NAME)
    except metadata.PackageNotFoundError:
        return None
    pip = f"{shell_word(sys.executable)} -m pip install --force-reinstall --no-deps"
    if _in_user_site(dist):  # `pip install --user`: without it pip moves digest out of ~/.local
        pip += " --user"
    managed = Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"  # PEP 668: a distribution's
    if sys.prefix == sys.base_prefix and managed.is_file():  # Python, digest installed in it with:
        pip += " --break-system-packages"
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:  # a record pip did not write: as none
        direct = None
    if not isinstance(direct, dict) or not isinstance(direct.get("url"), str):
        if not _holds(dist, package):
            return None
        return Reinstall(None, unknown=f"{pip} --index-url URL {shell_word(f'{NAME}=={dist.version}')}")
    url: str = direct["url"]
    dir_info = direct.get("dir_info")
    if isinstance(dir_info, dict):
        folder = _local(url)
        if dir_info.get("editable"):  # digest runs from that folder: reinstalling it changes nothing
            if folder is None or folder.resolve() != package.resolve().parent:
                return None
            return Reinstall(None, folder)
        if not _holds(dist, package):
            return None
        return _from(pip, folder, url)
    if not _holds(dist, package):
        return None
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        source = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"  # the commit installed, not the branch now
        sub = direct.get("subdirectory")
        source += f"#subdirectory={sub}" if sub else ""
        return Reinstall(f"{pip} {shell_word(source)}")
    return _from(pip, _local(url), url)  # an archive: a wheel or sdist file, or one from a URL


def _from(pip: str, local: Path | None, url: str) -> Reinstall:
    """``pip`` installing from ``local`` (a folder or file here), else from ``url``; a local one since
    removed is said (the command, as it is, would not run)."""
    command = f"{pip} {shell_word(str(local) if local else url)}"
    return Reinstall(command, gone=local if local is not None and not local.exists() else None)


def _local(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def _holds(dist: metadata.Distribution, package: Path) -> bool:
    """Is ``package`` the digest/ folder this distribution installed (not another copy on sys.path)?"""
    try:
        return (
            Path(str(dist.locate_file(f"{NAME}/__init__.py"))).resolve()
            == (package / "__init__.py").resolve()
        )
    except OSError:
        return False


def _in_user_site(dist: metadata.Distribution) -> bool:
    """Was ``dist`` installed with ``pip install --user`` (into the user's site-packages)?"""
    if not site.ENABLE_USER_SITE:  # a virtual environment (or python -s): it has none
        return False
    try:
        return Path(str(dist.locate_file(""))).resolve() == Path(site.getusersitepackages()).resolve()
    except OSError:
        return False
