"""A file's identity on disk and when it last changed: what tells a program a file it read was
changed since (the configuration, a profile, the signing secret's file).
"""

from __future__ import annotations

import os
import stat


def file_stamp(path: str | os.PathLike[str] | None) -> tuple[int, int, int, int] | None:
    """A file's identity on disk (inode, size, modification and change times in ns: the change
    time moves at every write, even one whose modification time is set back or falls in the
    same tick of a coarse clock, and cannot be set back), None if it cannot be
    stat'ed: `digest run` and `digest serve` read the config again when it changes, and a
    profile file is read again when it changed since it was read (digest.profiles.watch,
    digest.deliver.wanted)."""
    stamped = file_changes(path)
    return None if stamped is None else stamped[0]


def file_changes(path: str | os.PathLike[str] | None) -> tuple[tuple[int, int, int, int], int] | None:
    """:func:`file_stamp`'s identity, and when the file last changed (ns): the later of its
    modification time and its inode's change time, which `mv`, `cp -p`, `rsync -a` or `touch -d`
    cannot set back (a file moved in keeps its old modification time). For a symbolic link, the
    file it leads to, and the link's own change time too: a link made (`ln -sfn`) to an older
    file is a change. One ``lstat`` for a file, a ``stat`` more for a link."""
    if path is None:
        return None
    try:
        st = os.lstat(path)
        linked = st.st_ctime_ns if stat.S_ISLNK(st.st_mode) else 0
        if linked:
            st = os.stat(path)
    except OSError:
        return None
    identity = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return identity, max(st.st_mtime_ns, st.st_ctime_ns, linked)
