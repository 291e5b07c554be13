"""A renamed profile file continues its reader: ``eve.yaml`` renamed ``eve-smith.yaml``.

A reader is known by their profile file's stem, so a renamed file would be a new reader:
their history (what was sent, ratings, the day's digest already made) left behind under the
old name, and a second digest the same day. So a profile that has no record yet, whose
address is that of a stored reader whose profile file is gone, continues that reader: every
record of the old name becomes the new name's (schedule state, outbox and deliveries, papers
sent, ratings, a hard bounce), in one transaction, and the old name is kept in
``reader_renames`` so that the links of the digests already sent (preferences, ratings,
unsubscribe) open the new file. Two live profiles with one address stay two readers, and a
profile whose address matches none (renamed and readdressed at once) is a new reader.

Made by every command that may queue a digest (the daemon's pass, `digest send`) before it
looks at who is due, and by `digest serve` when a link of the old name is followed first
(digest.daemon.renamed_link.carried_for_link), and by `digest feedback` of the new name before it rates
(digest.daemon.renamed_first); `digest status` and `send --dry-run` only say what will be carried.
Several workers: one transaction, serialized, that looks again at both names first, so the
second worker finds the work done. A message of the old name being sent at that moment
(claimed by a worker) puts it off to the next pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from digest.config import Config
from digest.daemon import removals
from digest.daemon.archive import is_archived
from digest.daemon.clocks import server_time
from digest.db import retrying_conflicts, wall_clock
from digest.deliver.suppressions import same_address
from digest.deliver.wanted import hold_names
from digest.errors import SaveUnderWay
from digest.models import Profile
from digest.profiles.load import has_profile_file
from digest.store import QUEUED, Store, iso
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)

# the tables whose rows belong to a reader (by name): what the new name takes over
READER_TABLES = (
    "schedule_state",
    "period_digests",
    "outbox",
    "deliveries",
    "sent_papers",
    "ratings",
    "suppressions",
    "missed_said",  # the send time said missed, or paused at (digest.store_missed): not said again
)
_RECORDS = ("schedule_state", "outbox", "deliveries", "ratings", "suppressions")  # any: a known reader


RECENT = dt.timedelta(days=30)  # a gone reader's last digest at most this old: a rename

_WARNED: set[tuple[str, str, str]] = set()  # (database, gone reader, profiles with its address)


@dataclass(frozen=True)
class Continued:
    """The reader ``old`` goes on as ``new`` (the same address, ``old``'s profile file gone)."""

    old: str
    new: str
    email: str

    def describe(self) -> str:
        return (
            f"{self.new} continues {self.old} (the same address <{self.email}>; {self.old}'s profile "
            "file is gone): their digests, ratings and schedule go on under the new name"
        )


def known_readers(store: Store, among: Sequence[str] | None = None) -> set[str]:
    """Readers with a schedule state or a suppression: every reader who ever had a digest queued
    (``among``: those of these names, an index look-up each)."""
    if among is None:
        rows = store.db.execute("SELECT user FROM schedule_state UNION SELECT user FROM suppressions")
        return {r[0] for r in rows}
    return {
        name
        for name in among
        if store.db.execute(
            "SELECT 1 FROM schedule_state WHERE user = ? UNION ALL SELECT 1 FROM suppressions WHERE user = ?",
            (name, name),
        ).fetchone()
    }


def newest_message(db: Any, user: str) -> str:
    """When the newest message made for ``user`` was made, as stored ("" if none): its links
    were signed then, by the clock of the worker that made it (digest.web.identity compares)."""
    row = db.execute("SELECT MAX(created_at) FROM outbox WHERE user = ?", (user,)).fetchone()
    return (row and row[0]) or ""


def has_records(db: Any, user: str) -> bool:
    """Has ``user`` any record (a schedule, a message, a delivery, a rating, a suppression)?"""
    return any(
        db.execute(f"SELECT 1 FROM {table} WHERE user = ? LIMIT 1", (user,)).fetchone() for table in _RECORDS
    )


def last_addresses(store: Store, users: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each reader's (address of their latest digest, when their last digest was made): one
    query for 500 readers (an index look-up each), not one per reader."""
    found: dict[str, tuple[str, str]] = {}
    for chunk, _ in in_chunks(users):
        rows = store.db.execute(
            f"WITH asked(name) AS (VALUES {','.join(['(?)'] * len(chunk))}) SELECT name, "
            "(SELECT recipient FROM outbox WHERE user = asked.name ORDER BY id DESC LIMIT 1), "
            "(SELECT recipient FROM deliveries WHERE user = asked.name ORDER BY sent_at DESC LIMIT 1), "
            "(SELECT recipient FROM suppressions WHERE user = asked.name), "
            "(SELECT last_run_at FROM schedule_state WHERE user = asked.name) FROM asked",
            chunk,
        ).fetchall()
        for name, queued, delivered, bounced, at in rows:
            if address := queued or delivered or bounced:
                found[name] = (address, at or "")
    return found


NONE_CONTINUES = (  # `digest feedback OLD` says it too (digest.cli.renamed_user)
    "{old}'s profile file is gone and {names} have its address: none of them continues it (say "
    "which by renaming the others' files back, or giving them other addresses)"
)


def pending(
    config: Config, store: Store, profiles: Sequence[Profile], now: dt.datetime | None = None
) -> list[Continued]:
    """The readers that these profiles continue (only reads). Cheap when there is nothing to do:
    one look at the readers' schedule states. Only a reader served in the last RECENT days: an
    address given to someone else long after its reader left (a lab's alias) is a new reader,
    not one who inherits the old one's ratings, bounce and links. Several new profiles with the
    address: the one not paused continues it, if only one is; else none does (said once)."""
    since = iso((now or wall_clock()) - RECENT)
    known = known_readers(store)
    live = {p.user for p in profiles}
    new = [p for p in profiles if p.user not in known]
    if not new or not known - live:
        return []
    # a removed reader moved aside (their name given to someone else) is continued by nobody
    gone = [u for u in sorted(known - live) if not is_archived(u) and not has_profile_file(config, u)]
    addresses = last_addresses(store, gone) if gone else {}
    chosen: dict[str, list[Profile]] = {}
    for profile in new:
        same = [(at, u) for u, (email, at) in addresses.items() if same_address(email, profile.email)]
        same = [(at, u) for at, u in same if at >= since]
        if same and not has_records(store.db, profile.user):  # the latest gone reader of the address
            chosen.setdefault(max(same)[1], []).append(profile)
    found = []
    for old, takers in sorted(chosen.items()):
        if len(active := [p for p in takers if not p.paused]) == 1:  # the one served: a paused one
            takers = active  # gets no records, and would otherwise continue it once the other had some
        if len(takers) > 1:
            names = ", ".join(p.user for p in takers)
            if (said := (str(store.path), old, names)) in _WARNED:  # once a process, not every pass
                continue
            _WARNED.add(said)
            log.warning(NONE_CONTINUES.format(old=old, names=names))
            continue
        found.append(Continued(old, takers[0].user, takers[0].email))
    return found


def with_history(
    config: Config, store: Store, profile: Profile, now: dt.datetime, *, its_file: bool = False
) -> tuple[Profile, str]:
    """``profile`` and the name whose history it goes on with: the reader its renamed file
    continues (once carried over, as the send does first), else its own. For what only shows
    the next digest (preview, `rank --next`): it carries nothing over. A profile with no digest
    yet is judged by addresses, by files read whole as a pass reads them: the files of the names
    without a digest (its own too) written in place a moment ago are waited for first, once, two
    seconds at the most (:func:`wait_whole`, the look's rule), so that an address cut short by a
    save under way ("ann@lab.co" for "ann@lab.com") neither gives it a removed reader's history nor
    keeps its own from it. ``its_file``: ``profile`` is its file's reading (not an unsaved edit),
    read again after that wait. One still being written after it: StoreError, try again."""
    from digest.profiles.load import load_profile, load_profiles_lenient, profile_names

    if known_readers(store, [profile.user]):
        return profile, profile.user  # a reader with a digest (one look-up, not every reader's name)
    newcomers = (profile_names(config) or set()) - known_readers(store)
    wait_whole(config, newcomers, f"{profile.user}'s next digest, whose history depends on its address,")
    if its_file and profile.user in newcomers:
        profile = load_profile(config, profile.user)  # as whole now: it may have been read halfway
    if not pending(config, store, [profile], now):
        return profile, profile.user
    every = load_profiles_lenient(config)[0]  # two new profiles with its address continue neither
    found = (c.old for c in pending(config, store, every, now) if c.new == profile.user)
    return profile, next(found, profile.user)


def copies(store: Store, profiles: Sequence[Profile], of: Sequence[Profile] | None = None) -> list[str]:
    """What to say of each new profile (no digest yet) whose address a live reader's profile has
    too: a file copied to rename it (``cp eve.yaml eve-smith.yaml``, or `profile new`, before
    removing the old one) is two readers from the next pass on, for good. Said only while the
    profile is new: two profiles with one address on purpose are two readers, as they may be.
    ``of``: the profiles to say it of (by default, each of ``profiles``)."""
    known = known_readers(store)
    readers = [p for p in profiles if p.user in known]
    notes = []
    for profile in profiles if of is None else of:
        if profile.user in known:
            continue
        if others := [p.user for p in readers if same_address(p.email, profile.email)]:
            old = others[0]
            notes.append(
                f"{profile.user} has the address of {', '.join(others)} <{profile.email}>, who is a "
                f"reader too: from the next `digest send` or daemon pass both get digests. If "
                f"{profile.user} replaces {old} (a copy made to rename the file), remove {old}'s "
                f"profile file before then: {profile.user} then continues {old} (history, ratings, links)"
            )
    return notes


@dataclass(frozen=True)
class Carried:
    """What :func:`carry_over` did: the carry-overs made, and those put off (a message of the old
    name being sent), whose new name is no reader of its own meanwhile: not served until then."""

    done: list[Continued]
    waiting: list[Continued]
    by_other: Continued | None = None  # the gone reader the profile would continue, another's (it paused)

    def serving(self, profiles: Sequence[Profile]) -> list[Profile]:
        """``profiles`` but those whose carry-over waits (a digest made for them now would be
        a second one the same day, and their history would stay under the old name for good)."""
        held = {c.new for c in self.waiting}
        return [p for p in profiles if p.user not in held]


def carry_over(config: Config, store: Store, profiles: Sequence[Profile], now: dt.datetime) -> Carried:
    """Make the carry-overs :func:`pending` finds (each logged)."""
    done: list[Continued] = []
    waiting: list[Continued] = []
    carry(store, pending(config, store, profiles, now), now, waiting=waiting, done=done)
    return Carried(done, waiting)


def carry(
    store: Store,
    items: Sequence[Continued],
    now: dt.datetime,
    *,
    waiting: list[Continued] | None = None,
    done: list[Continued] | None = None,
) -> list[Continued]:
    """Make these carry-overs, each unless it was made meanwhile (another worker) or the new
    name has records of its own by now; returns those made (``done``: added to it). Those put
    off (a message of the old name being sent) are added to ``waiting``."""
    done = [] if done is None else done
    for item in items:
        # a conflict PostgreSQL ends (a deadlock, a serialization failure) rolled it back whole:
        # made again, as the look's and the storing's transactions are, not the pass ended
        make = functools.partial(_carry, store, item, now)
        made = retrying_conflicts(make, f"carrying {item.old} over to {item.new}")
        if made:
            log.info("%s", item.describe())
            done.append(item)
        elif made is None and waiting is not None:
            waiting.append(item)
    return done


def _carry(store: Store, item: Continued, now: dt.datetime) -> bool | None:
    """True: made; False: nothing to make (made already, or the new name a reader of its own);
    None: put off to the next pass. A message's lease is judged on the database server's clock
    when this machine's is off (the leases' clock: digest.daemon.clocks.on_server_clock), so one
    ahead does not find a lease another worker holds ended."""
    with store.transaction() as db:
        store.serialize("readers")  # another worker doing the same waits, then finds it done
        # the two names first, as a pass storing a digest holds the names it stores for before any
        # other row (digest.deliver.wanted.given_away): the carry-over moving the old name's rows
        # and then writing its name would wait for one that waits for those rows (a deadlock)
        hold_names(store, sorted({item.old, item.new}))
        if has_records(db, item.new) or not has_records(db, item.old):
            return False
        # their waiting messages held first (PostgreSQL: a worker's claim being made is waited
        # for, then seen below; a claim after it finds them the new name's)
        db.execute("UPDATE outbox SET user = user WHERE user = ? AND status = ?", (item.old, QUEUED))
        busy = db.execute(
            "SELECT 1 FROM outbox WHERE user = ? AND status = ? AND claimed_until >= ? LIMIT 1",
            (item.old, QUEUED, iso(server_time(store, wall_clock()))),
        ).fetchone()
        if busy:  # being sent right now by a worker: its record goes under the old name first
            log.info(
                "%s continues %s from the next pass (a message to them is being sent); nothing for %s "
                "until then",
                item.new,
                item.old,
                item.new,
            )
            return None
        # the links of every message made for the old name follow the rename: one signed by a
        # worker whose clock is ahead of this one's too (ISO times in UTC, ordered as text)
        newest = newest_message(db, item.old)
        renamed_at = max(iso(now), newest)
        for table in READER_TABLES:
            db.execute(f"UPDATE {table} SET user = ? WHERE user = ?", (item.new, item.old))
        db.execute("DELETE FROM reader_claims WHERE user = ?", (item.old,))  # a claim on nobody now
        db.execute("DELETE FROM reader_renames WHERE old_user = ?", (item.new,))  # a name in use again
        db.execute(
            "INSERT INTO reader_renames (old_user, user, renamed_at) VALUES (?,?,?) ON CONFLICT (old_user) "
            "DO UPDATE SET user = excluded.user, renamed_at = excluded.renamed_at, undated = 0",
            (item.old, item.new, renamed_at),
        )
        # the links of the old name signed since its file was last found gone are this reader's
        # (digest.web.identity): its file is not "gone" for them (not live, so no pass says so);
        # those signed before stay an earlier reader's. Found gone after this reader's last
        # message (a pass while the carry-over was put off), it was this rename: not a removal.
        # The new name's file found gone before stays: the links signed for it before then are an
        # earlier reader's of that name (whose records a rename may have taken away), not the
        # renamed reader's links, which the rename leads on (newer than it)
        removal = removals.forget(db, item.old, newest) or ""
        db.execute("UPDATE reader_names SET live = 0 WHERE user = ?", (item.old,))
        db.execute("UPDATE reader_names SET live = 1 WHERE user = ?", (item.new,))
        # the renames that led a reader to the old name lead on to the new one: not those of a
        # reader whose file of that name was found gone since (a removal kept, above)
        db.execute(
            "UPDATE reader_renames SET user = ? WHERE user = ? AND renamed_at > ?",
            (item.new, item.old, removal),
        )
    return True


def wait_whole(config: Config, newcomers: set[str], waiting: str) -> None:
    """The files of the names without a digest, each whole before ``waiting`` (a link of a removed
    reader, a new profile's next digest) is judged by their addresses (cache.being_written: those
    written in place a moment ago waited for at once, two seconds at the most, as a pass holds
    them back): an address cut short by a save under way (ann-lee's "ann@lab.co", for
    "ann@lab.com") would carry a reader over to another for good, or show another's history.
    One still being written after the wait: SaveUnderWay (a link's 503, tried again in seconds)."""
    from digest.profiles.cache import being_written
    from digest.profiles.load import profile_path

    paths = {}
    for name in sorted(newcomers):
        path = profile_path(config, name)
        paths[path if path.exists() else path.with_suffix(".yml")] = name
    if still := being_written(paths):
        names = ", ".join(paths[path] for path in still)
        raise SaveUnderWay(f"{names}'s profile file is being saved; {waiting} waits for it: try again soon")
