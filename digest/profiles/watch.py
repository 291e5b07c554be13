"""The profiles of a daemon that runs for days: the folder read again only when it changed.

A tick must not parse every profile file to find the few readers who are due. The folder's
own modification time changes whenever a file in it is created, removed or replaced by a
rename, which is how every writer of ours saves a profile (digest.files.write_atomic), and
how most editors do. So each tick stats the folder, and reads the files (through the profile
cache: only changed files are parsed again) when its time differs from the one the last scan
saw, at the tick after such a scan (a file added within the filesystem's clock tick of the
change that was seen), and every ``scheduler.profiles_rescan_seconds``. An edit in place
(``echo >> ada.yaml``, some editors) leaves the folder's time as it was: a tick that does not
read the folder stats each file the scan read and reads again those changed since
(:meth:`ProfileFolder.current`), so a send time moved earlier, a pause lifted, an address changed
counts at the next pass, for its fetching (the sources fetched before the send times) and its
renames' carry-over as for its planning. The readers a pass is about to plan digests for are
looked at once more (:meth:`ProfileFolder.fresh`, one ``stat`` each: fetching may take minutes),
so a reader who edits their file just before their send time gets that day's digest as the file
says now (its address, interests, paused), as `digest send` (which reads the folder) makes it.

A version of a file saved in place within the last two seconds (:func:`~digest.profiles.cache.unsettled`)
may be a save under way, read halfway (``interests:`` with the first of its items only reads as
valid YAML): where the pass holds another reading of that file, the new one is taken only at a
later pass that finds the file still the same version (one pass later, a minute by default), and
until then the pass keeps the reading it had. Such a file is read again at each pass until it
is two seconds old: a second save within one tick of a coarse clock leaves the same stamps.
A run of one pass (`digest run --once`, ``once=True``), which has no later pass (its next is a
timer's next run, maybe tomorrow's), waits instead until such a file is two seconds old (two
seconds at the most, and only when a file is that fresh) and takes its new reading if the file
has not changed since; one still changing keeps its reading (:meth:`ProfileFolder._settle`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digest.config import Config
from digest.file_stamps import file_stamp
from digest.models import Profile
from digest.profiles.cache import UNSETTLED_NS, Identity, unsettled
from digest.profiles.load import Earlier, Skipped, Versions, read_profiles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileScan:
    profiles: tuple[Profile, ...]
    skipped: tuple[Skipped, ...]  # the files skipped, each with what is wrong (their readers get nothing)
    version: int  # one more at every scan that read the folder, or found a file edited in place
    read: int = 0  # one more at every scan that read the folder (its skipped files said anew)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(s.problem for s in self.skipped)


class ProfileFolder:
    """``folder.current(now)``: the profiles as of the last scan, the folder read again if needed."""

    sleep = staticmethod(time.sleep)  # how a run of one pass waits for a fresh file to settle

    def __init__(
        self,
        config: Config,
        rescan: dt.timedelta | None = None,
        clock: Callable[[], int] = time.time_ns,
        *,
        once: bool = False,
    ) -> None:
        """``clock``: the filesystem's (time.time_ns), that file times are told against; ``once``:
        a run of one pass (`digest run --once`), which waits for a fresh file rather than for a pass."""
        self.config, self.clock, self.once = config, clock, once
        self.rescan = rescan if rescan is not None else config.scheduler.profiles_rescan
        self._stamp: int | None = None  # the folder's mtime (ns) the last scan saw
        self._changed_last_time = True
        self._scanned_at: dt.datetime | None = None
        self._scan = ProfileScan((), (), 0)
        self._identities: dict[str, Identity | None] = {}  # path -> the file as the scan read it
        self._again = Versions(config, clock)  # the files read again since
        self._passes, self._now_ns = 0, clock()
        self._unsure: set[str] = set()  # files read unsettled: read again at each pass until settled
        self._waiting: dict[str, tuple[Identity, int]] = {}  # path -> an unsettled version, its first pass
        self._new: dict[str, int] = {}  # path -> the pass that first found it new and written in place

    def current(self, now: dt.datetime) -> ProfileScan:
        self._passes, self._now_ns = self._passes + 1, self.clock()
        stamp = self._folder_stamp()
        due = (
            self._scanned_at is None
            or stamp != self._stamp
            or self._changed_last_time
            or now - self._scanned_at >= self.rescan
        )
        if due:
            identities: dict[str, Identity | None] = {}
            earlier: Earlier | None = {} if self._scan.read == 0 else None  # the first: the cache's
            profiles, problems = read_profiles(self.config, identities, earlier)
            profiles, problems = self._settled(profiles, problems, identities, earlier)
            self._identities, self._again = identities, Versions(self.config, self.clock)
            self._changed_last_time = stamp != self._stamp or self._passes in self._new.values()
            self._stamp, self._scanned_at = stamp, now
            scan = self._scan
            self._scan = ProfileScan(tuple(profiles), tuple(problems), scan.version + 1, scan.read + 1)
            log.debug("profiles folder read: %d profiles, %d skipped", len(profiles), len(problems))
        else:
            self._edited()
        return self._scan

    def fresh(self, profiles: Sequence[Profile]) -> list[Profile]:
        """``profiles`` (of the scan) as their files read now: one ``os.stat`` each, and only a
        file changed since it was read (inode, size, modification and change times) is read
        again, once per version of it. A file that cannot be read now (an editor saving it in
        steps) or is gone stays as it was last read: the next scan says what is wrong with it."""
        fresh, self._now_ns = [], self.clock()  # fetching may have taken minutes since current()
        for profile in profiles:
            path = str(profile.source)
            known = self._changed(path)
            if known is not None and known[1] is not None and known[1] != profile:
                profile = profile if self._waits(path, known[0]) else known[1]
            fresh.append(profile)
        return fresh

    def _edited(self) -> None:
        """Every file the scan read stat'ed: those edited in place since (and readable now)
        replace their profiles in it, a new version of the scan if one reads otherwise. A file
        skipped at the scan waits for the next one (its name may be another file's reader's)."""
        changed = [(path, known) for path in self._identities if (known := self._changed(path))]
        changed = [(path, known[0], known[1]) for path, known in changed if known[1] is not None]
        if not changed:
            return
        profiles = {str(p.source): p for p in self._scan.profiles}
        taken = {}
        for path, identity, profile in changed:
            if path in profiles:
                if profile != profiles[path]:
                    if self._waits(path, identity):
                        continue  # maybe read halfway through a save: the scan keeps its reading
                    taken[path] = profile
                self._identities[path] = identity  # the scan holds this version now
        if taken:
            log.debug("%d profile file(s) edited in place since the folder was read", len(taken))
            now = tuple(taken.get(path, p) for path, p in profiles.items())
            self._scan = dataclasses.replace(self._scan, profiles=now, version=self._scan.version + 1)

    def _changed(self, path: str) -> tuple[Identity, Profile | None] | None:
        """None if ``path`` is the version the scan holds (or cannot be stat'ed now); else its
        identity now and its profile as it reads now (None: it does not read now), read once
        per version."""
        identity = file_stamp(path)
        if identity is None or (identity == self._identities.get(path) and path not in self._unsure):
            return None
        if unsettled(identity, self._now_ns):
            self._unsure.add(path)
        else:
            self._unsure.discard(path)
        return identity, self._again.profile(path, identity)

    def _settled(
        self,
        profiles: list[Profile],
        problems: list[Skipped],
        identities: dict[str, Identity | None],
        earlier: Earlier | None = None,
    ) -> tuple[list[Profile], list[Skipped]]:
        """The scan's ``profiles`` and skipped files, each file written within the last two
        seconds read again at the next passes. One saved in place since the last scan that reads
        otherwise keeps that scan's reading until a later pass finds it still the same version
        (:meth:`_waits`); one that does not read at all (an editor's first step: the file emptied)
        keeps it too, and is read again at the next passes, as an edit in place is, and is said
        by the next scan that finds that version (its time ahead of this clock: a copy with
        ``cp -p`` from a machine whose clock is ahead, a file server's clock, ``touch -d``).
        The first scan (the daemon's start, a `run --once`) holds the readings the profile cache
        kept (``earlier``: the last command's, settled), and so keeps them for such a file too."""
        held = {str(p.source): p for p in self._scan.profiles}
        if earlier:
            held = {path: profile for path, (_, profile) in earlier.items()}
            self._identities = {path: identity for path, (identity, _) in earlier.items()}
        now = self._now_ns
        self._unsure = {path for path, i in identities.items() if i is not None and unsettled(i, now)}
        settled, waiting, arrived = {}, {}, {}
        first = self.once or self._scan.read == 0  # no earlier pass found the folder's new files
        for profile in profiles:
            path = str(profile.source)
            before, identity = held.get(path), identities.get(path)
            if identity is not None and before not in (None, profile) and self._waits(path, identity):
                profile, waiting[path] = before, (identity, profile)
            if before is not None or not self._new_waits(path, identity):
                settled[path] = profile
            elif first:  # waited for here, taken if it has not changed since
                arrived[path] = (identity, profile)
        kept = []
        for skipped in problems:
            identity = identities.get(skipped.path) if skipped.path else None
            if identity is not None and skipped.path in held and self._waits(skipped.path, identity):
                settled[skipped.path] = held[skipped.path]  # said by the next scan that finds it so
                waiting[skipped.path] = (identity, skipped)
            elif skipped.path in held or not self._new_waits(skipped.path, identity):
                kept.append(skipped)
            elif first:
                arrived[skipped.path] = (identity, skipped)
        if self.once:
            waiting.update(arrived)
        elif arrived:  # the daemon's start: a new file written a moment ago is waited for once
            self._settle(arrived, settled, kept)
        if self.once and waiting:
            self._settle(waiting, settled, kept)
        self._new = {path: n for path, n in self._new.items() if path in identities and path not in settled}
        return [settled[path] for path in identities if path in settled], kept

    def _settle(
        self,
        waiting: dict[str, tuple[Identity, Profile | Skipped]],
        settled: dict[str, Profile],
        kept: list[Skipped],
    ) -> None:
        """A run of one pass: the files of ``waiting`` (each held back with the version the scan
        read, and that reading) are looked at again once they are two seconds old (a wait of two
        seconds at the most), and those still that version are taken as read (a broken one said);
        one changed since keeps the reading it had, as at a daemon's pass (a new file, none: it
        is left to the next run, as a daemon leaves it to its next pass)."""
        last = max(max(identity[2], identity[3]) for identity, _ in waiting.values())
        wait_ns = min(last + UNSETTLED_NS - self.clock(), UNSETTLED_NS)
        if wait_ns > 0:
            log.debug("%d profile file(s) written within the last 2 s: waiting for them", len(waiting))
            self.sleep(wait_ns / 1e9)
        self._now_ns = self.clock()
        for path, (identity, reading) in waiting.items():
            if file_stamp(path) != identity:
                continue  # still being saved: the reading the run had, as now
            self._waiting.pop(path, None)
            if isinstance(reading, Skipped):
                settled.pop(path, None)
                kept.append(reading)
            else:
                settled[path] = reading

    def _new_waits(self, path: str | None, identity: Identity | None) -> bool:
        """Is ``path``, a file no earlier scan found (nor the profile cache, at a first scan),
        to wait for the next pass? Yes if written within the last two seconds and last by a write
        (its modification time is its change time: maybe an editor making it, a part written),
        and no earlier pass found it so: a new reader is late by one pass at the most. A first
        scan (the daemon's start, a run of one pass) waits for it instead (:meth:`_settle`), and
        takes it if unchanged since (else the next pass or run does). A file
        renamed into place (``digest profile new``: files.write_atomic(whole=True), ``mv``,
        ``cp -p``) was written whole before, its change time later: taken at once."""
        if path is None or identity is None or path in self._identities:
            return False
        if identity[2] != identity[3] or not unsettled(identity, self._now_ns):
            return False
        if self._new.setdefault(path, self._passes) < self._passes:
            return False
        log.debug("%s is new, written within the last 2 s: taken at the next pass", path)
        return True

    def _in_place(self, path: str, identity: Identity) -> bool:
        """Is this version of ``path``, written within the last two seconds, maybe a save under
        way? Yes if saved in place (the inode the pass's reading had), or a new inode whose last
        change was a write (its modification time is its change time: the old file moved aside
        or removed and a new one written at its name, as Emacs backs a file up by renaming it);
        no for one renamed into place (its change time later: written whole before), nor for one
        whose modification time is later than its change time (set after the file was written:
        `cp -p` or `touch -d` of a time ahead, which would hold it "within two seconds" for as
        long at every `run --once`)."""
        held = self._identities.get(path)
        if held is None or not unsettled(identity, self._now_ns) or identity[2] > identity[3]:
            return False
        return held[0] == identity[0] or identity[2] == identity[3]

    def _waits(self, path: str, identity: Identity) -> bool:
        """Is this version of ``path``, reading otherwise than the one the pass holds, to wait?
        Yes if it was saved in place within the last two seconds (:meth:`_in_place`), and no
        earlier pass read it so (the same version at a later pass: no save was under way)."""
        if not self._in_place(path, identity):
            self._waiting.pop(path, None)
            return False
        first = self._waiting.get(path)
        if first is None or first[0] != identity:
            first = self._waiting[path] = (identity, self._passes)
        if first[1] < self._passes:
            del self._waiting[path]
            return False
        log.debug("%s written within the last 2 s and reads otherwise: taken at the next pass", path)
        return True

    def _folder_stamp(self) -> int | None:
        try:
            return self.config.profiles.stat().st_mtime_ns
        except OSError:
            return None  # no folder: read_profiles says so
