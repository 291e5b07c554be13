"""The profiles of a daemon that runs for days: the folder read again only when it changed.

A tick must not stat every profile file to find the few readers who are due. The folder's
own modification time changes whenever a file in it is created, removed or replaced by a
rename, which is how every writer of ours saves a profile (digest.files.write_atomic), and
how most editors do. So each tick stats the folder alone, and reads the files (through the
profile cache: only changed files are parsed again) when its time differs from the one the
last scan saw, and also at the tick after such a scan (a file added within the filesystem's
clock tick of the change that was seen). An edit in place (``echo >> ada.yaml``, some
editors) leaves the folder's time as it was: it is seen at the latest after
``scheduler.profiles_rescan_seconds``, when the folder is read anyway; but the readers a
pass is about to plan digests for are looked at first (:meth:`ProfileFolder.fresh`, one
``stat`` each), so a reader who edits their file in place just before their send time gets
that day's digest as the file says now (its address, interests, paused), as `digest send`
(which reads the folder) makes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config, file_stamp
from digest.models import Profile
from digest.profiles.cache import Identity
from digest.profiles.load import Skipped, read_profiles, readable_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileScan:
    profiles: tuple[Profile, ...]
    skipped: tuple[Skipped, ...]  # the files skipped, each with what is wrong (their readers get nothing)
    version: int  # one more at every scan that read the folder

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(s.problem for s in self.skipped)


class ProfileFolder:
    """``folder.current(now)``: the profiles as of the last scan, the folder read again if needed."""

    def __init__(self, config: Config, rescan: dt.timedelta | None = None) -> None:
        self.config = config
        self.rescan = rescan if rescan is not None else config.scheduler.profiles_rescan
        self._stamp: int | None = None  # the folder's mtime (ns) the last scan saw
        self._changed_last_time = True
        self._scanned_at: dt.datetime | None = None
        self._scan = ProfileScan((), (), 0)
        self._identities: dict[str, Identity | None] = {}  # path -> the file as the scan read it
        self._again: dict[str, tuple[Identity, Profile]] = {}  # path -> read again since (fresh)

    def current(self, now: dt.datetime) -> ProfileScan:
        stamp = self._folder_stamp()
        due = (
            self._scanned_at is None
            or stamp != self._stamp
            or self._changed_last_time
            or now - self._scanned_at >= self.rescan
        )
        if due:
            identities: dict[str, Identity | None] = {}
            profiles, problems = read_profiles(self.config, identities)
            self._identities, self._again = identities, {}
            self._changed_last_time = stamp != self._stamp
            self._stamp, self._scanned_at = stamp, now
            self._scan = ProfileScan(tuple(profiles), tuple(problems), self._scan.version + 1)
            log.debug("profiles folder read: %d profiles, %d skipped", len(profiles), len(problems))
        return self._scan

    def fresh(self, profiles: Sequence[Profile]) -> list[Profile]:
        """``profiles`` (of the last scan) as their files read now: one ``os.stat`` each, and only
        a file changed since it was read (inode, size, modification time) is read again, once per
        version of it. A file that cannot be read now (an editor saving it in steps) or is gone
        stays as it was last read: the next scan says what is wrong with it."""
        fresh = []
        for profile in profiles:
            path = str(profile.source)
            identity = file_stamp(path)
            known = self._again.get(path)
            last = known[1] if known is not None else profile  # the file as it was last read
            if identity is None or (known is not None and known[0] == identity):
                fresh.append(last)
            elif identity == self._identities.get(path):
                fresh.append(profile)
            else:
                again = readable_profile(Path(path), self.config)
                if again is not None:
                    self._again[path] = (identity, again)
                    log.debug("%s changed since the folder was read: read again", path)
                fresh.append(again or last)
        return fresh

    def _folder_stamp(self) -> int | None:
        try:
            return self.config.profiles.stat().st_mtime_ns
        except OSError:
            return None  # no folder: read_profiles says so
