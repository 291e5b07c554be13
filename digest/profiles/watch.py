"""The profiles of a daemon that runs for days: the folder read again only when it changed.

A tick must not stat every profile file to find the few readers who are due. The folder's
own modification time changes whenever a file in it is created, removed or replaced by a
rename, which is how every writer of ours saves a profile (digest.files.write_atomic), and
how most editors do. So each tick stats the folder alone, and reads the files (through the
profile cache: only changed files are parsed again) when its time differs from the one the
last scan saw, and also at the tick after such a scan (a file added within the filesystem's
clock tick of the change that was seen). An edit in place (``echo >> ada.yaml``, some
editors) leaves the folder's time as it was: it is seen at the latest after
``scheduler.profiles_rescan_seconds``, when the folder is read anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from digest.config import Config
from digest.models import Profile
from digest.profiles.load import Skipped, read_profiles

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

    def current(self, now: dt.datetime) -> ProfileScan:
        stamp = self._folder_stamp()
        due = (
            self._scanned_at is None
            or stamp != self._stamp
            or self._changed_last_time
            or now - self._scanned_at >= self.rescan
        )
        if due:
            profiles, problems = read_profiles(self.config)
            self._changed_last_time = stamp != self._stamp
            self._stamp, self._scanned_at = stamp, now
            self._scan = ProfileScan(tuple(profiles), tuple(problems), self._scan.version + 1)
            log.debug("profiles folder read: %d profiles, %d skipped", len(profiles), len(problems))
        return self._scan

    def _folder_stamp(self) -> int | None:
        try:
            return self.config.profiles.stat().st_mtime_ns
        except OSError:
            return None  # no folder: read_profiles says so
