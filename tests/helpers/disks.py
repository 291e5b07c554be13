"""Real disks for the tests of a disk's faults: a small tmpfs, an exFAT filesystem (no hard links),
a folder under a disk quota. Each needs root and its tools; the test is skipped without them."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(tmp_path: Path, size: str, inodes: int | None = None) -> Iterator[Path]:
    """A real tmpfs of ``size`` mounted at tmp_path/disk (needs root: the test is skipped otherwise);
    ``inodes``: room for so many files and folders at the most (df -i)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    room = f"size={size}" + (f",nr_inodes={inodes}" if inodes else "")
    mount = ["mount", "-t", "tmpfs", "-o", room, "tmpfs", str(disk)]
    if subprocess.run(mount, capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@contextlib.contextmanager
def exfat_disk(tmp_path: Path) -> Iterator[Path]:
    """A real exFAT filesystem (FUSE's exfat, on a loop device over a file of 32 MiB) mounted at
    tmp_path/exfat: it makes no hard links (link() fails with EPERM), as FAT and some network
    filesystems. Skipped without root, exfatprogs or exfat-fuse."""
    image, disk = tmp_path / "exfat.img", tmp_path / "exfat"
    disk.mkdir()
    with open(image, "wb") as f:
        f.truncate(32 * 1024 * 1024)
    loop = ""
    try:
        made = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
        loop = made.stdout.strip()
        for step in (["mkfs.exfat", loop], ["mount.exfat-fuse", loop, str(disk)]):
            missing = not loop or shutil.which(step[0]) is None
            if missing or subprocess.run(step, capture_output=True).returncode:
                pytest.skip(f"cannot mount an exFAT filesystem here ({step[0]})")
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True, check=False)
        if loop:
            subprocess.run(["losetup", "-d", loop], capture_output=True, check=False)


@contextlib.contextmanager
def quota_disk(tmp_path: Path, limit: str) -> Iterator[Path]:
    """A real folder under a disk quota of ``limit`` on a disk with room (a btrfs subvolume with a
    qgroup limit, on a loop-mounted file of 200 MiB): writing past it fails with EDQUOT, root's too.
    Skipped without root, btrfs or btrfs-progs."""
    image, disk = tmp_path / "quota.img", tmp_path / "quota"
    disk.mkdir()
    with open(image, "wb") as f:
        f.truncate(200 * 1024 * 1024)
    steps = [
        ["mkfs.btrfs", "-q", "-f", str(image)],
        ["mount", "-o", "loop", str(image), str(disk)],
        ["btrfs", "quota", "enable", str(disk)],
        ["btrfs", "subvolume", "create", str(disk / "limited")],
        ["btrfs", "qgroup", "limit", limit, str(disk / "limited")],
    ]
    try:
        for step in steps:
            if shutil.which(step[0]) is None or subprocess.run(step, capture_output=True).returncode:
                pytest.skip(f"cannot make a folder under a disk quota here ({' '.join(step[:3])})")
        yield disk / "limited"
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)


def fuse_pid(disk) -> int:
    """The pid of the exfat-fuse process serving ``disk`` (started by the exfat_disk fixture)."""
    out = subprocess.run(["ps", "-ww", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    (pid,) = [
        int(line.split()[0]) for line in out.splitlines() if "mount.exfat" in line and str(disk) in line
    ]
    return pid
