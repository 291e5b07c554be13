"""An SQLite database's folder must exist, and its name must not be a symbolic link leading back
to itself: checked before the database (or its run lock) is opened, so that a mistyped path or a
disk not mounted never starts an empty database that has forgotten what was sent."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from digest.db import is_postgres
from digest.errors import StoreUnusable


def check_folder(database: Path | str) -> None:
    """An SQLite database's folder must exist: a new database is never made in a new folder.
    A mistyped path, or a disk that is not mounted, would otherwise start an empty database
    that has forgotten what was sent, and send it again. (The inbox and the profiles folder
    must exist too.) Raises StoreError naming the file and what to do."""
    if is_postgres(database) or str(database) == ":memory:":
        return
    path = Path(database)
    if loop := _link_loop(path):
        raise StoreUnusable(
            f"{path}: a symbolic link that leads back to itself ({loop}), so no database file is "
            "named; fix `database:` in the config, or point the link at the database file"
        )
    real = Path(os.path.realpath(path))  # a symbolic link: the folder the file is made in
    linked = real != Path(os.path.abspath(path))
    if not real.parent.is_dir():
        what = "is a file, not a folder" if real.parent.exists() else "does not exist"
        raise StoreUnusable(
            f"{path}: the database's folder {real.parent if linked else path.parent} {what}"
            + (f" (named through a symbolic link: the file is {real})" if linked else "")
            + "; fix `database:` in the config, or make the folder (mkdir -p) for a new database"
        )


def _link_loop(path: Path) -> str:
    """The links that lead back to themselves on the way to ``path`` (``/srv/a.db -> b.db -> a.db``,
    or a folder of it: ``/srv/via -> via``), or '' when there are none."""
    try:
        os.stat(path)
        return ""
    except OSError as e:
        if e.errno != errno.ELOOP:
            return ""
    for start in [*reversed(path.parents), path]:  # the first looping link on the way
        seen, said, step = [_place(start)], [str(start)], start  # said: each link's target as written (ls -l)
        while step.is_symlink() and len(seen) <= 40:
            said.append(os.readlink(step))
            step = step.parent / said[-1]
            if _place(step) in seen:
                return " -> ".join(said)
            seen.append(_place(step))
    return str(path)


def _place(link: Path) -> Path:
    """Where ``link`` stands as the system finds it: its folder's links and '..' resolved (a.db and
    sub/../a.db, or /srv/a.db, are one), not ``link`` itself."""
    return Path(os.path.realpath(link.parent)) / link.name
