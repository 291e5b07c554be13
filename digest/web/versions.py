"""What an open page polls (GET /u/<token>/version, every 1.5 s): the reader's profile file, and
what the preview is built from besides it. A change of either reloads the live preview (or its
frame on the preferences page): templates/web/live.js and prefs.js."""

from __future__ import annotations

import hashlib
from pathlib import Path

from digest.compose.render import builtin_templates
from digest.config import Config
from digest.file_stamps import file_stamp
from digest.store import Store


def file_version(path: Path) -> str:
    """The profile file's: its time, size and bytes ("missing": it cannot be read)."""
    try:
        st = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"
    return f"{st.st_mtime_ns}:{st.st_size}:{digest}"


def content_version(config: Config, user: str) -> tuple[str, str]:
    """Changes when the config file (the defaults a reader inherits: `digest serve` reads it again
    at the next request), a template, the papers or the reader's ratings change: the preview must
    be rebuilt. With the reader's ratings' own version (one database read for both): the
    preferences page's list of ratings is read again when it changes (templates/web/prefs.js)."""
    h = hashlib.sha256(f"{file_stamp(config.path)};".encode())
    for folder in (config.templates, builtin_templates()):
        if folder and folder.is_dir():
            for f in sorted(folder.glob("digest*")):
                st = f.stat()
                h.update(f"{f}:{st.st_mtime_ns}:{st.st_size};".encode())
    with Store(config.database) as store:
        ratings = store.ratings_version(user)
        h.update(f"{store.version()}|{ratings}".encode())
    return h.hexdigest()[:16], ratings
