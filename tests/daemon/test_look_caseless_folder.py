"""A profiles folder on a case-insensitive file system (exFAT, FAT: a USB disk, a share): a
reader's file renamed to another case of its suffix (bob.yaml to bob.YAML, as some editors and
file managers save) is still there for the name (bob.yaml opens it), and its reader is not
written down gone by a look (digest.daemon.names.look: their links would open nothing, their
history be taken for a removed reader's), as has_profile_file counts it.

Real parts: a real exFAT file system (mkfs.exfat, a loop device, mount.exfat-fuse; root only),
a SQLite database, the look of a pass."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from digest.daemon.names import look
from digest.store import Store

TOOLS = ("mkfs.exfat", "mount.exfat-fuse", "losetup", "umount")
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in TOOLS) or not Path("/dev/fuse").exists(),
    reason="a case-insensitive folder (exFAT on a loop device) needs root, exfat-fuse and /dev/fuse",
)

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def caseless(tmp_path: Path):
    """A folder on a case-insensitive file system, unmounted after the test."""
    image, mount = tmp_path / "exfat.img", tmp_path / "caseless"
    with image.open("wb") as f:
        f.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.exfat", str(image)], check=True, capture_output=True)
    loop = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
    if loop.returncode:
        pytest.skip(f"no loop device: {loop.stderr.strip()}")
    device = loop.stdout.strip()
    mount.mkdir()
    try:
        mounted = subprocess.run(["mount.exfat-fuse", device, str(mount)], capture_output=True, text=True)
        if mounted.returncode:
            pytest.skip(f"exFAT not mounted: {mounted.stderr.strip()}")
        try:
            (mount / "Probe").write_text("")
            assert (mount / "PROBE").exists(), "the exFAT folder is case-sensitive"
            (mount / "Probe").unlink()
            yield mount
        finally:
            subprocess.run(["umount", str(mount)], check=True)
    finally:
        subprocess.run(["losetup", "-d", device], check=True)


def test_a_file_renamed_to_another_case_of_its_suffix_is_not_written_down_gone(workspace, caseless):
    profiles = workspace.root / "profiles"
    profiles.rmdir()
    profiles.symlink_to(caseless)
    for user in ("ada", "bob", "cy"):
        workspace.profile(user, f"email: {user}@example.org\ninterests: [chips]\n")
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        (profiles / "bob.yaml").rename(profiles / "bob.YAML")
        (profiles / "cy.yaml").unlink()
        assert (profiles / "bob.yaml").exists()  # the name's file, found by its name
        assert look(config, store, MON + dt.timedelta(hours=1))
        rows = store.db.execute("SELECT user, live FROM reader_names ORDER BY user").fetchall()
    # Before (the look's second listing counted .yaml and .yml only): ('bob', 0), written down gone
    assert [tuple(r) for r in rows] == [("ada", 1), ("bob", 1), ("cy", 0)]
