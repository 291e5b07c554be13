"""What `digest profile new` asks and says beside the look (digest.daemon.names.name_taken_over)
for a name that may have had a reader: whether it had one (:func:`was_a_reader`: the database only
read, migrated if its schema is older, what that wrote said), the refusal when the database cannot
be read or written for it (:func:`refusal`, saying what committed before the failure), and the wait
past the second the name's file was found gone (:func:`past_second_of`), so the new profile's
first link is never taken for the removed reader's.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

from digest.config import Config
from digest.daemon.renamed import known_readers
from digest.db import is_postgres, shown, wall_clock
from digest.dbfaults import open_readonly
from digest.errors import DigestError, StoreError, StoreUnusable
from digest.profiles.load import profile_path
from digest.store import SCHEMA_VERSION, Store


def was_a_reader(config: Config, user: str, timeout: float = 30.0, written: list[str] | None = None) -> bool:
    """Had ``user`` a reader: a digest queued once, or a file a pass's look wrote down and found
    gone by none since (``reader_names.live``: a reader whose first digest may be planned now, by
    a pass that read their file before it went, and must be told from the newcomer's:
    digest.deliver.wanted.given_away)? The database only read, unless its schema is older than
    this digest's: then migrated, and said in ``written``; not created if there is none."""
    written = [] if written is None else written
    if is_postgres(config.database):
        store = Store(config.database, readonly=True, timeout=timeout)  # migrated (all or nothing), if older
    elif not Path(config.database).exists():
        return False  # no database yet (its folder may not be made yet either): nobody had a digest
    else:
        try:
            store = Store(config.database, readonly=True, timeout=timeout)
        except StoreUnusable:  # an older schema (digest upgraded) is not read as it is: migrated, as
            # by any command that writes (this one writes the name's removal); a newer schema, or
            # one on a read-only disk, refuses again
            before = _sqlite_schema(config.database)
            try:
                store = Store(config.database, timeout=timeout)
            except BaseException:  # one transaction per step: the first ones may have committed
                after = _sqlite_schema(config.database)
                if before is not None and after is not None and after > before:
                    written.append(f"the database's schema upgraded from version {before} to {after}")
                elif before is None or after is None:
                    written.append("perhaps part of the database's schema upgrade (each step whole)")
                raise
    if store.upgraded_from == 0:
        written.append("the database's tables made (a new database)")
    elif store.upgraded_from is not None:
        to = f"this digest's ({SCHEMA_VERSION})"
        written.append(f"the database's schema upgraded from version {store.upgraded_from} to {to}")
    with store:
        live = "SELECT 1 FROM reader_names WHERE user = ? AND live = 1"
        return bool(known_readers(store, [user])) or store.db.execute(live, (user,)).fetchone() is not None


def _sqlite_schema(path: Path) -> int | None:
    """The schema version of an SQLite database, read apart (another process's write lock
    does not stop it); None if it cannot be read."""
    try:
        db = open_readonly(Path(path), 1.0)
        try:
            return int(db.execute("PRAGMA user_version").fetchone()[0])
        finally:
            db.close()
    except (OSError, sqlite3.Error):
        return None


def refusal(
    config: Config, user: str, what: str, error: BaseException, known: bool, written: list[str]
) -> StoreError:
    cause = str(error) if isinstance(error, DigestError) else f"{shown(config.database)}: {error}"
    made_now = "made now, the profile" if known else "if it was, a profile made now"
    again = "try again once the database can be read and written"
    if written:  # steps that commit on their own, as the next pass (or any command) makes them too
        said = "; ".join(written)
        kept = f"The profile file was not made; written before the failure, as the next pass would: {said}. "
        kept += again.capitalize()
    else:
        kept = f"Nothing was written: {again}"
    return StoreError(
        f"{profile_path(config, user)} not created: {what} ({cause}); {made_now} would open the earlier "
        f"reader's links (in the emails they were sent). {kept}"
    )


def past_second_of(at: dt.datetime) -> None:
    """Return once the clock is past ``at``'s second: a link signed within it (whole seconds) is
    the removed reader's, so the new profile's first link (`profile url`, a `send` right after in
    a script) must be signed later. Not waited for a time far ahead (a worker's clock ahead)."""
    wait = (at.replace(microsecond=0) + dt.timedelta(seconds=1) - wall_clock()).total_seconds()
    if 0 < wait <= _LONGEST_WAIT:
        time.sleep(wait)


_LONGEST_WAIT = 3.0  # seconds
