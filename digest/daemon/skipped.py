"""The profile files a daemon skips, said in its log when something about them changes, not at
every pass: a file found broken is said once (with the file, the line and what is wrong), again
when its content or what is wrong with it changes and it is still broken, and the pass that
reads it again (fixed), or finds it gone, says so. A file broken on a Friday evening no longer
fills the log with the same line every ``poll_seconds`` until Monday.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from digest.profiles.load import Skipped

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Told:
    skipped: Skipped
    content: str | None  # the file as it was when said (_content); None: not readable (or no file)


class SkippedProfiles:
    """``skipped.tell(scan's skipped, paths read)`` after each scan of the profiles folder."""

    def __init__(self) -> None:
        self._told: dict[str, _Told] = {}  # by file (the problem itself for the folder's own)

    def tell(self, skipped: Sequence[Skipped], read: Collection[str]) -> None:
        """``read``: the files whose profiles this scan read (a fixed one among them)."""
        told: dict[str, _Told] = {}
        for s in skipped:
            key = s.path or s.problem
            now = _Told(s, _content(s.path))
            before = self._told.get(key)
            if before != now:
                log.error(
                    "%s skipped%s: %s; %s until it is fixed (said again only if it changes)",
                    "profiles" if s.path is None else "profile",
                    " again, changed" if before is not None else "",
                    s.problem,
                    "no reader gets a digest" if s.path is None else "its reader gets nothing",
                )
            told[key] = now
        for key, before in self._told.items():
            if key in told:
                continue
            if before.skipped.path is None:
                log.info("the profiles folder is read again")
            elif before.skipped.path in read:
                log.info("profile %s read again: its reader is served from now on", before.skipped.path)
            else:
                log.info("profile %s no longer skipped: the file is gone", before.skipped.path)
        self._told = told


def _content(path: str | None) -> str | None:
    """A regular file's bytes' digest; anything else (a symbolic link, which may point outside
    the folder and is then never read; a FIFO or a device, which a read would wait on or never
    end) by what ``lstat`` says of it, and where a link points, without opening it."""
    if path is None:
        return None
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            target = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
            return f"{st.st_mode}:{st.st_ino}:{st.st_mtime_ns}:{target}"
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None
