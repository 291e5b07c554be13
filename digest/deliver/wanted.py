"""Is a message still wanted, right before it goes out?

A digest is planned for a reader who is neither paused nor suppressed, and a long pass (a slow
server, thousands of readers) may reach their message an hour later. By then the reader may
have unsubscribed: a one-click writes ``paused: true`` into their profile file, or, when that
file cannot be read, keeps the request in the database (a suppression of kind ``unsubscribe``);
a bounce of this pass may have suppressed the address. So each message is looked at again just
before it is handed to the server (digest.deliver.lines): a message held so is recorded as
failed, not tried (its papers free again), as a message to a suppressed address always was, and
the reader's undo lets their next digest go as usual.

Cheap enough for every message: the suppression is one look-up by the reader's key; the file is
one ``stat``, and it is read only when it was changed since ``now - LOOKBACK`` (a file older than
that said what the planning read from it), once per version of it in a pass.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from digest.config import Config
from digest.deliver.suppressions import Suppressions
from digest.errors import ProfileError
from digest.profiles.load import load_profile_file, profile_path

# A file changed later than this before the pass began is read again: the planning (which read
# every profile, maybe from a cache checked earlier) came before the pass's ``now``, at most by
# this much, and the margin also covers a file server's clock somewhat behind ours.
LOOKBACK = dt.timedelta(hours=1)

Identity = tuple[int, int, int]  # inode, size, modification time in ns


class StillWanted:
    """Why a message to ``user`` at ``recipient`` is not to go out now, if so (:meth:`why_not`).
    Called with the store taken (it reads the suppressions)."""

    def __init__(self, config: Config, suppressions: Suppressions, now: dt.datetime) -> None:
        self.config = config
        self.suppressions = suppressions
        self.since_ns = int((now - LOOKBACK).timestamp() * 1_000_000_000)
        self.read: dict[str, tuple[Identity, bool]] = {}  # user -> (their file as read, paused)

    def why_not(self, user: str, recipient: str) -> str | None:
        """The reason to hold the message (the outbox's "not tried: ..."), or None: it may go."""
        blocked = self.suppressions.blocks(user, recipient)
        if blocked is not None:
            return f"address suppressed: {blocked.describe()}"
        if self.paused(user):
            return "paused since the digest was made: their profile file says paused: true (an unsubscribe)"
        return None

    def paused(self, user: str) -> bool:
        """Does the reader's profile file, changed since the planning, say ``paused: true``? A file
        that cannot be read now, or is gone, holds nothing: the planning's reading stands (a
        one-click on a broken file is kept in the database, :meth:`why_not` looks there first)."""
        path = profile_path(self.config, user)
        for candidate in (path, path.with_suffix(".yml")):
            try:
                st = os.stat(candidate)
            except OSError:
                continue
            if st.st_mtime_ns < self.since_ns:
                return False
            identity = (st.st_ino, st.st_size, st.st_mtime_ns)
            known = self.read.get(user)
            if known is not None and known[0] == identity:
                return known[1]
            paused = _says_paused(candidate, self.config)
            self.read[user] = (identity, paused)
            return paused
        return False


def _says_paused(path: Path, config: Config) -> bool:
    try:
        return load_profile_file(path, config).paused
    except ProfileError:
        return False
