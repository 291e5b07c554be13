"""Which profile file names have a file now, and when a name's file was last found gone.

A reader is known by their profile file's stem, and a link by the name it was signed for and
when (digest.signing). A name whose file is removed and later given to someone else is a new
reader: the links signed before the file was found gone are the removed reader's, and open
nothing (digest.web.identity answers 410). So every pass that may queue a digest (the daemon's,
`digest send`) looks at the profiles folder after the renames are carried over
(digest.daemon.renamed) and writes down what changed since the last look: a name with a file
(``live``), a name whose file went (``gone_at``). A file removed and put back between two looks
is the same reader (nothing tells them apart). One found gone by a look and back later, with the address of
the reader whose file went (digest.daemon.removals), is that reader back, as no other reader had
the name in between (it would have been seen, and its removal kept): a slow save, a sync tool
briefly missing the file. The removal is undone, and their links open their page again. Back
with another address, or none known, it is a new reader: the earlier emails' links say 410, the
next ones work, and the name's records, if made for another address, are the removed reader's,
moved aside in the same transaction (digest.daemon.archive). A file back that cannot be read
yet (half written) is looked at again by the next look.

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
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.daemon import archive, renamed
from digest.daemon.agree import FOLDER, refuse_if_apart
from digest.daemon.names_said import say_kept, say_looked
from digest.daemon.names_written import ANOTHER, UNDONE, write_back, write_gone
from digest.daemon.newcomer import past_second_of, refusal, was_a_reader
from digest.daemon.renamed import (
    Carried,
    Continued,
    carry,
    known_readers,
    pending,
)
from digest.db import db_errors, is_bug, is_postgres, retrying_conflicts
from digest.deliver.wanted import hold_names
from digest.errors import ConfigError, DigestError, ProfileError
from digest.file_stamps import file_stamp
from digest.models import Profile
from digest.profiles.cache import settled_reading, written_whole
from digest.profiles.load import (
    find_profile_file,
    has_profile_file,
    load_profile_file,
    load_profiles_lenient,
    profile_names,
)
from digest.store import Store, iso
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)


class Looked:
    """A daemon's memory of its passes' looks (:func:`look`, and the renames' carry-over before
    it), which read every name (the folder's, the database's): the profile scan (digest.profiles
    .watch, its ``version``) and the folder's file names the last one was made for. A pass with
    both as they were skips them: no file came or went, and no profile can have turned into a
    rename (a new profile with a gone reader's address comes as a file, or as an edit the scan
    reads; what else may change meanwhile, a reader's first digest or a carry-over by another
    process, only ends one). The names are listed each pass (a folder of 20,000 files: about
    10 ms), not taken from the folder's time, which a coarse clock or a network share may leave
    as it was when a file goes: a removal missed until the next scan would let a newcomer given
    the name open the removed reader's links. A carry-over put off (a message of the old name
    being sent) is looked for again."""

    def __init__(self) -> None:
        self.scan: int | None = None  # the scan of the pass under way (begin)
        self._looked: int | None = None
        self._seen: frozenset[str] | None = None  # the folder's names at the last look
        self._listed: frozenset[str] | None = None  # and at this pass's

    def begin(self, scan: int, folder: Path) -> frozenset[str] | None:
        """A pass starts with ``scan``: the names in ``folder`` (the profiles folder) listed now,
        once a pass (the settings the workers compare take them too: digest.daemon.agree)."""
        self.scan = scan
        try:
            self._listed = frozenset(os.listdir(folder))
        except OSError:
            self._listed = None  # looked at: look() and the carry-over say what they make of it
        return self._listed

    def needed(self) -> bool:
        """Must this pass look (as :meth:`begin` listed the folder; not begun: yes)?"""
        return (
            self.scan is None
            or self.scan != self._looked
            or self._listed is None
            or self._listed != self._seen
        )

    def done(self, carried: Carried) -> None:
        waiting = bool(carried.waiting)
        self._looked, self._seen = (None, None) if waiting else (self.scan, self._listed)


def carry_and_look(config: Config, store: Store, profiles: Sequence[Profile], now: dt.datetime) -> Carried:
    """A pass's renames carried over (digest.daemon.renamed), then its :func:`look`; once more
    the renames if the look moved a removed reader's records aside: a file renamed onto their
    name (eve.yaml to ada.yaml) continues its own reader, which the name's records kept from it."""
    carried = renamed.carry_over(config, store, profiles, now)
    moved: list[str] = []
    waits = {c.old for c in carried.waiting}  # a renamed reader's, a message of theirs being sent
    look(config, store, now, moved, taken={p.user for p in profiles}, waiting=waits)
    if not moved:
        return carried
    again = renamed.carry_over(config, store, profiles, now)
    return Carried(carried.done + again.done, carried.waiting + again.waiting)


def look(
    config: Config,
    store: Store,
    now: dt.datetime,
    moved: list[str] | None = None,
    taken: Collection[str] | None = None,
    waiting: Collection[str] = (),
) -> bool:
    """Write down the names whose file appeared or went since the last look (one query when
    nothing changed). A folder that cannot be read or holds no profile is not looked at.
    True: something was written down (committed); ``moved``: the archived identities of the
    removed readers whose records were moved aside (digest.daemon.archive), added to.
    ``taken``: the readers whose profiles the pass read (None: every name): a file back
    written a moment ago is waited for (:func:`_address`) only if one of them, so that a pass waits
    two seconds at the most (its scan's wait: digest.profiles.watch); another, which the pass does
    not serve (held back by its scan, or written since), is left to the next look. ``waiting``: the
    old names of renamed readers whose carry-over waits (a message of theirs being sent): not
    written down gone, which would make the worker sending it hold it as a removed reader's
    (digest.deliver.wanted.StillWanted.removed); the carry-over, made later, marks them left.
    """
    files = profile_names(config)
    if files is None:
        return False
    found = store.db.execute("SELECT user, live, gone_at FROM reader_names").fetchall()
    rows = {name: live for name, live, _ in found}
    rows_gone = {name: gone for name, _, gone in found}
    known = known_readers(store)  # those whose file went before names were looked at (schema 19)
    added = sorted(files - rows.keys())
    back = sorted(n for n, live in rows.items() if not live and n in files)
    waits = {n: taken is None or n in taken for n in back}
    addresses = {n: a for n in back if (a := _address(config, n, waits[n])) is not None}
    back = [n for n in back if n in addresses]  # one that cannot be read yet: the next look
    went = sorted(n for n, live in rows.items() if live and n not in files)
    went += sorted(known - files - rows.keys())
    went = _still_gone(config, went)  # listed just before it came back
    went = [n for n in went if n not in waiting]
    if not (added or back or went):
        return False
    at = iso(now)
    aside: list[str] = []  # said once committed: a try PostgreSQL ended (a deadlock) moved nothing
    gone: list[str] = []  # those this look wrote down gone (another look at once may have: it says them)

    def write() -> dict[str, str | None]:
        aside.clear()
        gone.clear()
        with store.transaction() as db:  # each change made once, whatever another worker did meanwhile
            hold_names(store, sorted({*back, *went}))
            for chunk, _ in in_chunks(added):  # new names
                db.execute(_ADDED.format(",".join(["(?, 1)"] * len(chunk))), chunk)
            outcome = write_back(db, back, rows_gone, addresses, aside)
            gone.extend(write_gone(db, went, at, rows_gone))
        return outcome

    # a conflict with another transaction that PostgreSQL ends (a pass storing a digest holds the names
    # it stores for before any row, as this one does: no cycle with it): tried again
    outcome = retrying_conflicts(write, "writing down the profile files that came or went")
    say_kept(aside)
    if moved is not None:
        moved.extend(aside)
    undone, others = ([n for n, said in outcome.items() if said == w] for w in (UNDONE, ANOTHER))
    say_looked(store, gone, undone, others)
    return True


_ADDED = "INSERT INTO reader_names (user, live) VALUES {} ON CONFLICT (user) DO NOTHING"


def _still_gone(config: Config, names: Sequence[str]) -> list[str]:
    """Those of ``names`` (found gone by the look's listing) that have no file now either, by one
    listing of the folder (65,536 names gone were 131,072 lstat calls: 3 s of a 4 s pass). Each name
    looked up on its own (:func:`has_profile_file`) only where the listing cannot tell: the folder
    holds no profile now, or a name is there in another case, its suffix's too (bob.YAML: a
    case-insensitive folder, where lstat finds bob.yaml)."""
    try:
        with os.scandir(config.profiles) as entries:
            listed = [entry.name for entry in entries]
    except OSError:
        listed = []
    now = {os.path.splitext(n)[0] for n in listed if n.endswith(SUFFIXES)}  # as profile_names
    if not now:
        return [n for n in names if not has_profile_file(config, n)]
    folded = {os.path.splitext(n)[0].casefold() for n in listed if n.casefold().endswith(SUFFIXES)}
    return [n for n in names if n not in now and not (n.casefold() in folded and has_profile_file(config, n))]


SUFFIXES = (".yaml", ".yml")


def _look_at_one(config: Config, store: Store, user: str, now: dt.datetime) -> None:
    """``user``'s file is not there (`profile new` is about to make it): written down as gone
    if it was live, as :func:`look` does, even where look wrote nothing down: a folder holding
    no profile at all (the name's reader was its only one), which look takes for a disk not
    mounted. Here the folder is there, to make the new file in, and this name alone is said."""
    with store.transaction() as db:
        if has_profile_file(config, user):
            return
        row = db.execute("SELECT live, gone_at FROM reader_names WHERE user = ?", (user,)).fetchone()
        # another `profile new` of the name at once (PostgreSQL) may write it down first: it says so
        if (row is None or row[0]) and write_gone(db, [user], iso(now), {user: row[1] if row else None}):
            log.info("profile file gone: %s (its links open nothing from now on)", user)


def _address(config: Config, name: str, wait: bool = True) -> str | None:
    """The address in ``name``'s profile file, or None if it cannot be read (yet). A file written
    a moment ago is read once whole (cache.written_whole; ``wait``: waited for, else None): an
    address cut short by a save under way ("eve@example.o") would take the reader back for a
    newcomer, for good. A file as the pass read it (its stamps unchanged since) is not read again."""
    try:
        path = find_profile_file(config, name)
        if not written_whole(path, wait=wait):
            log.info("%s's profile file is back and still being written (looked at again next time)", name)
            return None
        if (read := settled_reading(path, file_stamp(path))) is not None:
            return read.email
        return load_profile_file(path, config).email
    except ProfileError as e:
        log.info("%s's profile file is back but cannot be read (looked at again next time): %s", name, e)
        return None


def name_taken_over(config: Config, user: str, now: dt.datetime, *, timeout: float = 30.0) -> list[Continued]:
    """Before a new profile file is made under ``user``, a name with no file that had a reader:
    what a pass would do now, in its order. A renamed file continues that reader first (their
    history and links go with them, not to the new profile, which would keep the rename from
    ever being made), then the names are looked at (a removed reader's links stay theirs).
    Returns the carry-overs made; nothing done for a name with a file or no reader, nor when
    the profiles folder is not there (create_profile says so).

    If the database cannot be read, or written for such a name (locked by a pass longer than
    ``timeout`` seconds, read-only, PostgreSQL down), raises StoreError: the profile must not be
    made then, as the removed reader's links would open it (no pass would find the name's file
    gone, it being there again). Its message says what was written before the failure, each
    step its own transaction: the database's upgrade, the carry-overs, the look."""
    if has_profile_file(config, user) or not config.profiles.is_dir():
        return []  # no folder (a disk not mounted): no file can be made, nor was one removed
    written: list[str] = []  # what committed, as the steps go
    try:
        if not was_a_reader(config, user, timeout, written):
            return []
    except (DigestError, *db_errors()) as e:
        if isinstance(e, db_errors()) and is_bug(e):
            raise
        what = f"could not tell whether {user!r} was the name of a reader whose profile file is gone"
        raise refusal(config, user, what, e, False, written) from e
    try:
        gone = _make_way(config, user, now, timeout, written)
    except ConfigError:  # its settings are not the workers': nothing written, said as it is
        raise
    except (DigestError, *db_errors()) as e:
        if isinstance(e, db_errors()) and is_bug(e):
            raise
        what = f"{user!r} was the name of a reader whose profile file is gone, and that could not be recorded"
        raise refusal(config, user, what, e, True, written) from e
    if gone.at:
        past_second_of(dt.datetime.fromisoformat(gone.at))
    return gone.carried


@dataclass(frozen=True)
class _Made:
    carried: list[Continued]
    at: str | None  # when the name's file was found gone (None: not gone)


def _make_way(config: Config, user: str, now: dt.datetime, timeout: float, written: list[str]) -> _Made:
    """Each step commits on its own (each carry-over, the look, this name's removal): what did
    is added to ``written`` as it does, for the message if a later one fails."""
    with Store(config.database, timeout=timeout) as store:
        # with another profiles folder than the workers', the look would note their readers removed
        refuse_if_apart(store, config, f"`digest profile new {user}`", now, beside=True, keys=FOLDER)
        done: list[Continued] = []
        waiting: list[Continued] = []  # a message of the old name being sent: not written down gone
        try:
            items = pending(config, store, load_profiles_lenient(config)[0], now)
            carry(store, items, now, waiting=waiting, done=done)
        finally:
            written.extend(f"{item.describe()} (a renamed profile)" for item in done)
        if look(config, store, now, waiting={item.old for item in waiting}):
            written.append("the profile files that came or went since the last pass, written down")
        _look_at_one(config, store, user, now)
        row = store.db.execute("SELECT gone_at FROM reader_names WHERE user = ? AND live = 0", (user,))
        gone = row.fetchone()
    return _Made(done, gone[0] if gone and gone[0] else None)


def start_afresh(
    config: Config,
    profile: Profile,
    now: dt.datetime,
    timeout: float = 30.0,
    command: str | None = None,
    *,
    known_gone: bool = False,
) -> str | None:
    """`profile new` made ``profile`` (or ``command``, `profile url` or `serve`, signs its link: a file made
    by hand) under a name written down gone: the next look's move of a removed reader's records (another
    address) aside done now for it, so its page never shows them. Returns what to say (None: none moved).
    ``known_gone``: the caller has just read the name written down gone (not read again before the
    database is taken for writing; the writing's transaction reads it, as always)."""
    gone_sql = "SELECT gone_at FROM reader_names WHERE user = ? AND live = 0"
    if not is_postgres(config.database) and not Path(config.database).exists():  # nobody's history
        return None
    if not known_gone:
        with Store(config.database, readonly=True, timeout=timeout) as store:
            if store.db.execute(gone_sql, (profile.user,)).fetchone() is None:
                return None
    with Store(config.database, timeout=timeout) as store:
        what = f"`digest {command or f'profile new {profile.user}'}`"
        refuse_if_apart(store, config, what, now, beside=True, keys=FOLDER)

        def write() -> tuple[str | None, list[str]]:
            with store.transaction() as db:
                gone = db.execute(gone_sql, (profile.user,)).fetchone()
                if gone is None or not has_profile_file(config, profile.user):
                    return None, []  # no removal, or the file gone again: the next look
                before, moved = archive.last_address(db, profile.user), []
                write_back(db, [profile.user], {profile.user: gone[0]}, {profile.user: profile.email}, moved)
            return before, moved

        before, moved = retrying_conflicts(write, "moving a removed reader's history aside")  # as look's
    say_kept(moved)
    if not moved:
        return None
    who = f"<{before}>" if before else "(address not known)"
    return (
        f"{profile.user} was the name of another reader {who}, whose profile was removed: their "
        f"history (papers sent, ratings, schedule) is kept apart as {moved[0]}; {profile.user} starts afresh"
    )
