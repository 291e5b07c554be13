"""A write of the web page under a reader's name (a rating, its undo or clearing; the undo of an
unsubscribe, which lifts a hard bounce too; an unsubscribe kept in the database as its file cannot
be written) carries a renamed file's reader over to that name first, through the function `digest
feedback` calls (:func:`digest.daemon.renamed_first.carried_first`): written before it, a record
would make the new name a reader of its own, and a release would miss what the old name's history
(ratings, a bounce or unsubscribe kept in the database, links) brings at the next pass.

A carry-over that cannot be made now writes nothing: put off (a message of the old name being
sent) is the app's 503, tried again (Retry-After), as a link of the old name is
(digest.daemon.renamed_link.carried_for_link); the old name's address shared with another new profile
(none continues it: a record under this name alone would make the other one continue it) waits
for the operator (a 503 saying so; the log says which profiles). Continued by another profile
(this one paused) is no reason to refuse: the record is this reader's own, as the CLI writes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from digest.config import Config
from digest.daemon.renamed import known_readers
from digest.daemon.renamed_first import carried_first
from digest.daemon.renamed_link import put_off
from digest.store import Store
from digest.web.answers import NEEDS_FIX, NeedsFixing
from digest.web.unreadable import current_profile

log = logging.getLogger(__name__)


def carried_for_write(config: Config, user: str, now: dt.datetime, what: str) -> None:
    """Carry a renamed file's reader over to ``user`` before ``what`` (a write of the page) is stored
    under that name; StoreError (put off) or NeedsFixing (shared) if it cannot be, nothing written.
    One look-up for a reader with a digest. ``user``'s file unreadable: ProfileUnreadable (its page),
    as its address, which says whom it continues, cannot be known."""
    with Store(config.database) as store:
        if known_readers(store, [user]):
            return
        profile = current_profile(config, user, posted=True)
        shared: list[Any] = []
        carried = carried_first(
            config, store, profile, now, f"{what} of {user} on the web page", shared=shared
        )
    for item in carried.done:
        log.info("%s (before %s on the web page)", item.describe(), what)
    for item in carried.waiting:
        raise put_off(item)
    for item, others in shared:
        log.error(
            "%s of %s on the web page not done: %s has the address <%s> of %s, whose profile file is gone, "
            "and so does %s: none of them continues %s yet. Say which continues %s by renaming the others' "
            "files back or giving them other addresses%s",
            what,
            user,
            item.new,
            item.email,
            item.old,
            ", ".join(others),
            item.old,
            item.old,
            NEEDS_FIX,
        )
        raise NeedsFixing()
