"""Which profile file names have a file now, and when a name's file was last found gone.

A reader is known by their profile file's stem, and a link by the name it was signed for and
when (digest.signing). A name whose file is removed and later given to someone else is a new
reader: the links signed before the file was found gone are the removed reader's, and open
nothing (digest.web.identity answers 410). So every pass that may queue a digest (the daemon's,
`digest send`) looks at the profiles folder after the renames are carried over
(digest.daemon.renamed) and writes down what changed since the last look: a name with a file
(``live``), a name whose file went (``gone_at``). A file removed and put back between two looks
is the same reader (nothing tells them apart); one found gone by a look and back later is a new
reader as far as links go, whoever it is: the earlier emails' links say 410, the next ones work.

When a file went is the later of the look's time and the newest message made for the name: a
link is signed by the clock of the worker that made its message (at the start of its pass),
which may be seconds ahead of the looking worker's, or its pass started after the looking
one's, whose look comes after its fetching and ingesting. Looked at again when the file comes
back: a message made (by a pass that read the profile before it went) and stored after the look
that found it gone is the removed reader's too.
"""

from __future__ import annotations

import datetime as dt
import logging

from digest.config import Config
from digest.daemon.renamed import known_readers, newest_message
from digest.profiles.load import has_profile_file, profile_names
from digest.store import Store, iso

log = logging.getLogger(__name__)


def look(config: Config, store: Store, now: dt.datetime) -> None:
    """Write down the names whose file appeared or went since the last look (one query when
    nothing changed). A folder that cannot be read or holds no profile is not looked at."""
    files = profile_names(config)
    if files is None:
        return
    found = store.db.execute("SELECT user, live, gone_at FROM reader_names").fetchall()
    rows = {name: live for name, live, _ in found}
    rows_gone = {name: gone for name, _, gone in found}
    known = known_readers(store)  # those whose file went before names were looked at (schema 19)
    added = sorted(files - rows.keys())
    back = sorted(n for n, live in rows.items() if not live and n in files)
    went = sorted(n for n, live in rows.items() if live and n not in files)
    went += sorted(known - files - rows.keys())
    went = [n for n in went if not has_profile_file(config, n)]  # listed just before it came
    if not (added or back or went):
        return
    at = iso(now)
    with store.transaction() as db:  # each change made once, whatever another worker did meanwhile
        for name in added:
            db.execute(
                "INSERT INTO reader_names (user, live) VALUES (?, 1) ON CONFLICT (user) DO NOTHING", (name,)
            )
        for name in back:  # what was made for the removed reader since the look that found it gone
            gone = rows_gone.get(name)
            db.execute(
                "UPDATE reader_names SET live = 1, gone_at = ? WHERE user = ? AND live = 0",
                (gone and max(gone, newest_message(db, name)), name),
            )
        for name in went:
            db.execute(
                "INSERT INTO reader_names (user, live, gone_at) VALUES (?, 0, ?) ON CONFLICT (user) "
                "DO UPDATE SET live = 0, gone_at = excluded.gone_at WHERE reader_names.live = 1",
                (name, max(at, newest_message(db, name))),
            )
    if went:
        log.info("profile file(s) gone: %s (their links open nothing from now on)", ", ".join(went))
