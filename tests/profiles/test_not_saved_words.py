"""What a refused profile write tells the user to do fits its cause: a full disk is freed, a quota
raised, a read-only disk remounted, a folder this account may not write made writable, a disk
that fails to write (EIO) looked at; not "make the profiles folder writable" for all of them.
(A disk that answers EIO cannot be made here: the errors are made as the OS raises them.)"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from digest.profiles.edit import not_saved

PATH = Path("/srv/digest/profiles/ada.yaml")
FIXES = [
    (errno.ENOSPC, "free some space on its disk, then save again"),
    (
        errno.EDQUOT,
        "raise this account's quota on its disk (or free some of its space there), then save again",
    ),
    (errno.EROFS, "its disk is mounted read-only: remount it read-write, then save again"),
    (errno.EACCES, "make the profiles folder writable for this account, then save again"),
    (errno.EPERM, "make the profiles folder writable for this account, then save again"),
    (
        errno.EIO,
        "the disk failed to write it (an I/O error): check the disk and the system's log, then save again",
    ),
]


@pytest.mark.parametrize(("code", "fix"), FIXES, ids=[errno.errorcode[c] for c, _ in FIXES])
def test_a_refused_write_says_what_fits_its_cause(code, fix):
    said = not_saved(PATH, OSError(code, os.strerror(code), str(PATH)))
    assert said == f"cannot save {PATH}: {os.strerror(code)}; {fix}; nothing was saved, the file is as it was"


CLI_CHANGES = [("add", "ada", "spiking neurons"), ("set", "ada", "max_papers", "5"), ("remove", "ada", "x")]


@pytest.mark.parametrize("change", CLI_CHANGES, ids=[c[0] for c in CLI_CHANGES])
@pytest.mark.parametrize("disk", ["full", "read-only"])
def test_a_refused_write_tells_a_command_line_user_to_run_it_again_not_to_save(workspace, change, disk):
    """A `digest profile` user runs a command; "save again" is the web page's word (its Save button).
    Real `digest` runs: the profiles folder on a full tmpfs (the file's write refused) or a read-only
    bind mount (the profile's lock refused)."""
    from helpers.full_disk import ADA, FULL, READ_ONLY, on_a_full_disk

    workspace.profile("ada", ADA + "  x: 1\n")
    said, _ = on_a_full_disk(workspace, "profile", *change, script=FULL if disk == "full" else READ_ONLY)
    assert "exit 1" in said and "cannot save" in said, said
    assert "then run this again; nothing was saved" in said, said
    assert "save again" not in said, said
