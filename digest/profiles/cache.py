"""Parsed profiles kept between runs: a file is parsed again only when it changed.

The cache is one file beside the database file itself (``<database>.profiles.cache``, whichever
name a config gives the database, a symbolic link or not), a mapping from
each profile's path to its identity on disk (inode, size, modification and change times in ns:
an edit in place that keeps the size and sets the modification time back, as `touch -r` does,
moves the change time) and the
profile parsed from it. It is thrown away whole when anything that shapes a parsed profile
changes: the config's defaults for profiles, or the code that parses them. It is only ever a
shortcut: a missing, unreadable or stale cache means parsing the files, as without it.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import pickle
import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from digest import __version__, models
from digest.config import Config
from digest.db import kept_beside
from digest.file_stamps import file_stamp
from digest.files import remove_leftovers, write_atomic
from digest.models import Interest, Profile
from digest.options import declared
from digest.select.gcpause import long_lived

log = logging.getLogger(__name__)

# a file meant as a profile that no command reads: another case (dave.YAML), an editor's .txt
MISNAMED = re.compile(r"^[^.].*\.ya?ml(\.txt)?$", re.IGNORECASE)
LEFTOVER = re.compile(
    r"\.[^/]+\.ya?ml\.[a-z0-9_]{8}\.tmp"
)  # files.write_atomic's temporary file of a profile
FORMAT = 3  # 2: profiles and interests pickled as their fields' values (see _Pickler); 3: ctime

Identity = tuple[int, int, int, int]  # inode, size, modification and change times in ns
UNSETTLED_NS = 2_000_000_000  # a coarse filesystem clock's tick (FAT's 2 s) and more than a save takes


def unsettled(identity: Identity, now_ns: int) -> bool:
    """Was the file of ``identity`` written within the last two seconds of ``now_ns`` (the
    filesystem's clock, time.time_ns)? Then a save may be under way (an editor writing it in
    steps: a part that reads as valid YAML), and a second save within the same tick of a coarse
    clock would leave the same identity: such a version is read again before it is trusted."""
    return max(identity[2], identity[3]) > now_ns - UNSETTLED_NS


def written_whole(path: Path, clock: Callable[[], int] = time.time_ns, *, wait: bool = True) -> bool:
    """Is ``path`` whole as far as its times tell? A file last changed by a write (its
    modification time is its change time: an editor, a sync tool writing it in place, not a file
    renamed into place) within the last two seconds (:func:`unsettled`) may be a save under way: it
    is waited for until two seconds old (two seconds at the most) and is whole if unchanged since;
    ``wait=False``: not waited for, not whole (for now).
    For a reading a later one cannot mend (digest.daemon.names: a reader back, or a newcomer)."""
    if not wait:
        return not _in_place_now([path], clock)
    return not being_written([path], clock)


def _in_place_now(paths: Iterable[Path], clock: Callable[[], int]) -> dict[Path, Identity]:
    """Those of ``paths`` last changed by a write within the last two seconds, with their stamps."""
    stamps = {path: file_stamp(path) for path in paths}
    now = clock()
    return {p: s for p, s in stamps.items() if s is not None and s[2] == s[3] and unsettled(s, now)}


def being_written(paths: Iterable[Path], clock: Callable[[], int] = time.time_ns) -> list[Path]:
    """Those of ``paths`` still being written as far as their times tell (:func:`written_whole`'s
    rule for them all at once: one wait, until the newest is two seconds old, two seconds at the
    most, and those changed since)."""
    fresh = _in_place_now(paths, clock)
    if not fresh:
        return []
    newest = max(stamp[3] for stamp in fresh.values())
    time.sleep(max(0, min(newest + UNSETTLED_NS - clock(), UNSETTLED_NS)) / 1e9)
    return [path for path, stamp in fresh.items() if file_stamp(path) != stamp]


def profile_files(
    folder: Path, misnamed: list[str] | None = None, leftovers: list[Path] | None = None
) -> Iterator[tuple[str, Identity | None]]:
    """Each profile file in ``folder`` (the *.yaml files by name, then the *.yml ones), with its
    identity on disk; None for a symbolic link (parsed each time: the check of where it points
    stays in force) or a file that cannot be looked at (parsing says what is wrong with it).
    One directory scan and one ``lstat`` per file; the paths as strings (a Path is made only
    for a file to parse: 100,000 of them would cost a second). ``misnamed``, if given, gets the
    paths of the files no command reads that were meant as profiles, by their name (``dave.YAML``,
    ``eve.yaml.txt``), from the same scan; ``leftovers`` those of the temporary files a profile's
    writer makes (files.write_atomic: ``.ada.yaml.<8 characters>.tmp``)."""
    found: dict[str, list[tuple[str, Identity | None]]] = {".yaml": [], ".yml": []}
    with os.scandir(folder) as entries:
        for entry in entries:
            kind = found.get(os.path.splitext(entry.name)[1])
            if kind is None:
                if misnamed is not None and MISNAMED.search(entry.name):
                    misnamed.append(os.path.join(str(folder), entry.name))
                elif leftovers is not None and LEFTOVER.fullmatch(entry.name):
                    leftovers.append(folder / entry.name)
                continue
            identity: Identity | None = None
            try:
                if not entry.is_symlink():
                    st = entry.stat(follow_symlinks=False)
                    identity = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            except OSError:
                identity = None
            kind.append((entry.name, identity))
    base = os.path.join(str(folder), "")
    for suffix in (".yaml", ".yml"):
        for name, identity in sorted(found[suffix]):
            yield base + name, identity


def cache_path(config: Config) -> Path:
    return kept_beside(config.database, ".profiles.cache")[0]  # PostgreSQL: in the config's folder


def fingerprint(config: Config, parser_file: str) -> str:
    """What a parsed profile depends on besides its own file: the config's values a profile
    inherits (send_at, timezone, ...), the profiles folder, and the package's code."""
    package = Path(models.__file__).parent
    code = sorted([Path(parser_file), *package.rglob("*.py")])
    stamps = [(str(p), p.stat().st_mtime_ns) for p in code if p.exists()]
    options = declared(Profile).values()
    inherited = [(o.inherit, repr(getattr(config, o.inherit))) for o in options if o.inherit]
    return repr((FORMAT, __version__, stamps, str(config.profiles), inherited))


_settled_readings: dict[str, tuple[Identity, Profile]] = {}  # the last pass's (ProfileCache.save)


def settled_reading(path: Path | str, identity: Identity | None) -> Profile | None:
    """The profile this process last read from ``path`` (its last reading of the folder, through
    the cache: :meth:`ProfileCache.save`) if that reading was of the version ``identity`` (the file's
    now: digest.file_stamps.file_stamp) and settled; else None: read the file (digest.daemon.names:
    8,000 files back, read again whole after the pass read them, took a look 1.05 s of CPU, 0.30 s
    without)."""
    entry = _settled_readings.get(str(path))
    return entry[1] if entry is not None and identity is not None and entry[0] == identity else None


class ProfileCache:
    """``cache.load(path, parse)``: the profile parsed from ``path``, from the cache if unchanged.
    A version written within the last two seconds (:func:`unsettled`) is parsed but not kept: a
    second save within the same tick of a coarse filesystem clock (ext4 with 128-byte inodes,
    ext3, FAT: times in whole seconds) leaves the same identity, and the cache would serve the
    first for good, to every command and every process after (``clock``: the filesystem's)."""

    clock: Callable[[], int] = staticmethod(time.time_ns)

    def __init__(self, path: Path | None, key: str, read: Path | None = None) -> None:
        """``read``: where the cache is read, if not from ``path`` (digest.db.kept_beside)."""
        self.path, self.key = path, key
        self.entries: dict[str, tuple[Identity, Profile]] = {}
        self.seen: dict[str, tuple[Identity, Profile]] = {}
        self.hits = self.misses = 0
        read = read or path
        if read is not None and read.exists():
            self.entries = self._read(read)

    @classmethod
    def for_config(cls, config: Config, parser_file: str) -> ProfileCache:
        if str(config.database) == ":memory:":
            return cls(None, "")
        where, read = kept_beside(config.database, ".profiles.cache")
        remove_leftovers(where)  # a pass killed as it wrote the cache: its temporary file, an hour on
        return cls(where, fingerprint(config, parser_file), read)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            with open(path, "rb") as f, long_lived():  # only new objects: no collector walks
                key, entries = pickle.load(f)  # noqa: S301 - our own file, beside the database
        except Exception as e:  # noqa: BLE001 - any damage means: parse the files again
            log.info("%s: profile cache not used (%s)", path, e)
            return {}
        return entries if key == self.key and isinstance(entries, dict) else {}

    def stale(self, files: list[tuple[str, Identity | None]]) -> list[str]:
        """The paths among ``files`` (:func:`profile_files`) that :meth:`load` would parse."""
        entries = self.entries
        return [
            name
            for name, identity in files
            if identity is None or (entry := entries.get(name)) is None or entry[0] != identity
        ]

    def dumps(self, value: Any) -> bytes:
        """``value`` pickled as the cache pickles profiles (read back with pickle.loads)."""
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        return buffer.getvalue()

    def load(
        self, path: Path | str, parse: Callable[[Path], Profile], identity: Identity | None = None
    ) -> Profile:
        """``identity``: the file's, if known (:func:`profile_files`); None: not to be cached."""
        name = str(path)
        if identity is None:
            return parse(Path(path))
        entry = self.entries.get(name)
        if entry is not None and entry[0] == identity:
            self.hits += 1
            profile = entry[1]
        else:
            self.misses += 1
            profile = parse(Path(path))
        if unsettled(identity, self.clock()):  # maybe saved again within this tick: not kept,
            if entry is not None:  # and the last settled reading kept till it settles (watch.py)
                self.seen[name] = entry
            return profile
        self.seen[name] = (identity, profile)
        return profile

    def save(self) -> None:
        """Keep what this pass saw (files gone since are dropped); nothing to write if unchanged.
        What it saw is this process's too (:func:`settled_reading`)."""
        global _settled_readings  # noqa: PLW0603 - replaced whole by each reading of the folder
        _settled_readings = self.seen
        if self.path is None or (not self.misses and len(self.seen) == len(self.entries)):
            return
        if not self.path.parent.is_dir():  # the database's folder: never made for a cache
            return
        try:
            write_atomic(self.path, self.dumps((self.key, self.seen)))
        except OSError as e:
            log.info("%s: profile cache not written (%s)", self.path, e)
        log.debug("profiles: %d parsed, %d from the cache", self.misses, self.hits)


_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in (Profile, Interest)}


class _Pickler(pickle.Pickler):
    """Profiles and interests pickled as ``cls(*values)``: read back 2.5 times faster than
    through their dataclass state (10,000 profiles: 0.31 s instead of 0.79 s of CPU)."""

    def reducer_override(self, obj: Any) -> Any:
        names = _FIELDS.get(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple([getattr(obj, n) for n in names])
