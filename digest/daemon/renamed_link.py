"""A link of a removed reader's name followed before a pass carried them over (``eve.yaml``
renamed ``eve-smith.yaml``, the daemon not run since): `digest serve` carries the reader over
first (digest.daemon.renamed), so that what the link does is the new name's."""

from __future__ import annotations

import datetime as dt

from digest.config import Config
from digest.daemon.renamed import RECENT, Continued, carry, known_readers, last_addresses, pending, wait_whole
from digest.errors import StoreError, StoreUnusable
from digest.store import Store, iso


def carried_for_link(config: Config, user: str, now: dt.datetime) -> str | None:
    """The name a link signed for ``user`` (no profile file, no rename kept) opens: the profile
    that continues them, carried over now, so that what the link does (a rating, an unsubscribe)
    is the reader's and not a removed reader's, ignored by their next digest; None: nobody
    continues them. Put off (a message of theirs being sent): StoreError, a 503 tried again.
    The database is opened for writing only for a carry-over to make (a removed reader's link
    on a read-only database is their 410, not a 503)."""
    from digest.daemon.agree import FOLDER, apart
    from digest.profiles.load import load_profiles_lenient, profile_names

    with Store(config.database, readonly=True) as store:  # written only if a carry-over is pending
        # the cheap answers first (a removed reader's links are followed for years): a name that
        # never had a digest, or not in the last RECENT days, or no profile file without a digest
        # (a new name) to continue it: no reader to continue
        last = last_addresses(store, [user]).get(user)
        if last is None or user not in known_readers(store, [user]):
            return None
        newcomers = (profile_names(config) or set()) - known_readers(store)
        if last[1] < iso(now - RECENT) or not newcomers:
            return None
        wait_whole(config, newcomers, f"a link of {user}")
        profiles, _ = load_profiles_lenient(config)
        item = next((c for c in pending(config, store, profiles, now) if c.old == user), None)
    if item is None:
        return None
    with Store(config.database) as store:
        # a web process with another profiles folder than the workers' (a stale copy, another
        # mount) would move a live reader's history to a name of its own, and the workers back
        aside = apart(store, config, now, beside=True, keys=FOLDER)  # what a carry-over depends on
        if aside is not None:
            raise StoreUnusable(
                f"{config.path}: its settings differ from those of the workers on this database (worker "
                f"{aside.other}): {aside.differ}. A link of {user} (whose profile {item.new} continues "
                "them, not carried over yet) waits: this process carries no reader over, nor opens their "
                "pages, until it runs with the workers' config (the same settings and profiles folder)"
            )
        if carry(store, [item], now, waiting=(waiting := [])) == [] and waiting:
            raise put_off(item)
    return item.new


def put_off(item: Continued) -> StoreError:
    """The 503 (tried again) of a page whose reader's carry-over waits for a message being sent."""
    return StoreError(f"{item.new} continues {item.old} once a message being sent to them is recorded")
