"""Parsed profiles kept between runs: a file is parsed again only when it changed.

The cache is one file beside the database (``<database>.profiles.cache``), a mapping from
each profile's path to its identity on disk (inode, size, modification time in ns) and the
profile parsed from it. It is thrown away whole when anything that shapes a parsed profile
changes: the config's defaults for profiles, or the code that parses them. It is only ever a
shortcut: a missing, unreadable or stale cache means parsing the files, as without it.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest import __version__, models
from digest.config import Config
from digest.db import sidecar
from digest.files import write_atomic
from digest.models import Profile
from digest.options import declared

log = logging.getLogger(__name__)

FORMAT = 1


def cache_path(config: Config) -> Path:
    return sidecar(config.database, ".profiles.cache")  # PostgreSQL: in the config's folder


def fingerprint(config: Config, parser_file: str) -> str:
    """What a parsed profile depends on besides its own file: the config's values a profile
    inherits (send_at, timezone, ...), the profiles folder, and the package's code."""
    package = Path(models.__file__).parent
    code = sorted([Path(parser_file), *package.rglob("*.py")])
    stamps = [(str(p), p.stat().st_mtime_ns) for p in code if p.exists()]
    options = declared(Profile).values()
    inherited = [(o.inherit, repr(getattr(config, o.inherit))) for o in options if o.inherit]
    return repr((FORMAT, __version__, stamps, str(config.profiles), inherited))


class ProfileCache:
    """``cache.load(path, parse)``: the profile parsed from ``path``, from the cache if unchanged."""

    def __init__(self, path: Path | None, key: str) -> None:
        self.path, self.key = path, key
        self.entries: dict[str, tuple[tuple[int, int, int], Profile]] = {}
        self.seen: dict[str, tuple[tuple[int, int, int], Profile]] = {}
        self.hits = self.misses = 0
        if path is not None and path.exists():
            self.entries = self._read(path)

    @classmethod
    def for_config(cls, config: Config, parser_file: str) -> ProfileCache:
        if str(config.database) == ":memory:":
            return cls(None, "")
        return cls(cache_path(config), fingerprint(config, parser_file))

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            with open(path, "rb") as f:
                key, entries = pickle.load(f)
        except Exception as e:  # noqa: BLE001 - any damage means: parse the files again
            log.info("%s: profile cache not used (%s)", path, e)
            return {}
        return entries if key == self.key and isinstance(entries, dict) else {}

    def load(self, path: Path, parse: Callable[[Path], Profile]) -> Profile:
        name = str(path)
        if path.is_symlink():  # parsed each time: the check of where it points stays in force
            return parse(path)
        try:
            st = path.stat()
            identity = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            return parse(path)  # parse says what is wrong with it
        entry = self.entries.get(name)
        if entry is not None and entry[0] == identity:
            self.hits += 1
            profile = entry[1]
        else:
            self.misses += 1
            profile = parse(path)
        self.seen[name] = (identity, profile)
        return profile

    def save(self) -> None:
        """Keep what this pass saw (files gone since are dropped); nothing to write if unchanged."""
        if self.path is None or (not self.misses and len(self.seen) == len(self.entries)):
            return
        try:
            write_atomic(self.path, pickle.dumps((self.key, self.seen), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as e:
            log.info("%s: profile cache not written (%s)", self.path, e)
        log.debug("profiles: %d parsed, %d from the cache", self.misses, self.hits)
