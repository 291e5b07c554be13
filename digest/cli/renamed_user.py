"""A reader named on the command line whose profile file was renamed: `digest send --user ada`
(`digest feedback ada ...`, `digest rank ada`, `digest preview ada`, `digest profile show ada`, ...)
after ``ada.yaml`` became ``ada-lee.yaml``. The file's name is gone, and the closest name in the
folder (difflib's "Did you mean 'bad'?") is another reader: the error names the reader's new name
instead, from the rename carried over (``reader_renames``) or the one the next send carries over
(digest.daemon.renamed.pending), and the command does nothing (the operator may have meant another
person: it never acts on the renamed reader silently). `digest suppressed --release ada`, which
needs no file, says it only where nothing is suppressed under ada (:func:`renamed_error`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator, Sequence
from typing import Any

from digest.errors import ProfileError, StoreError
from digest.shell_text import shell_word


def load_named(config: Any, user: str, now: dt.datetime, again: str = "digest send --user {}") -> Any:
    """``user``'s profile (load_profile); a name whose file is gone because it was renamed raises
    a ProfileError that names the reader's new name and the command to use (``again``, the new
    name in its ``{}``: :func:`typed`)."""
    from digest.profiles.load import load_profile

    with renamed_said(config, user, now, again):
        return load_profile(config, user)


def found_named(config: Any, user: str, now: dt.datetime, again: str) -> None:
    """Before a command that finds ``user``'s file itself (an edit, a preview): the error of
    :func:`load_named` if it is gone because it was renamed, else that of a name without a file."""
    from digest.profiles.load import find_profile_file

    with renamed_said(config, user, now, again):
        find_profile_file(config, user)


class Value(str):
    """A word of :func:`typed` given as the user typed a value (a keyword, an excluded term), not an
    option: one that starts with '-' ("-foo") is said after ``--`` (else read as an option)."""


def typed(*words: str) -> str:
    """The command to use again, as typed (quoted for the shell: :func:`shell_word`), the user's
    place ``{}``: ``typed("profile", "add", "{}", "event cameras")`` is `digest profile add {} 'event
    cameras'`. Every command a message suggests is said through it: a user id (letters, digits, '.',
    '_', '-') or a paper id needs no quotes, but a path, a keyword, an address may ("o'brien@...").
    A :class:`Value` that starts with '-' goes last, after ``--`` (the options before it): `digest
    profile exclude ada --remove -- -foo`, where `... ada -foo --remove` is refused ("No such option")."""
    if any(isinstance(w, Value) and w.startswith("-") for w in words):
        words = (
            *(w for w in words if not isinstance(w, Value)),
            "--",
            *(w for w in words if isinstance(w, Value)),
        )
    quoted = (w if w == "{}" else shell_word(w).replace("{", "{{").replace("}", "}}") for w in words)
    return " ".join(("digest", *quoted))


def given(*options: tuple[str, Any]) -> list[str]:
    """The options typed, as words for :func:`typed`: a flag set alone (``("--text", True)``), an
    option with its value (a number as typed: the same number); one not given (None, False) left out."""
    words: list[str] = []
    for name, value in options:
        if value is True:
            words.append(name)
        elif value is not None and value is not False:  # 0 is a value
            words += [name, _word(value)]
    return words


def _word(value: Any) -> str:
    """A float as short as it reads back the same (2 for 2.0; 0.1234567 whole, not :g's 0.123457)."""
    if not isinstance(value, float):
        return str(value)
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def typed_send(users: Sequence[str], user: str, *options: str) -> str:
    """`digest send` as typed, ``user``'s place ``{}``: the other --user names and the options kept
    (--dry-run above all: copied, the command must send nothing either)."""
    return typed("send", *(w for u in users for w in ("--user", "{}" if u == user else u)), *options)


# seconds the database is given to answer the look-up of a name without a file: it only tells a
# typo from a renamed or removed reader's name, so a database that does not answer (its host
# dropping packets) costs a mistyped name this, not the connection's 30 s (Store's timeout)
LOOKUP_WAIT = 5


@contextlib.contextmanager
def renamed_said(config: Any, user: str, now: dt.datetime, again: str) -> Iterator[None]:
    """A ProfileError of the block for ``user``'s missing file, said with the new name instead
    (a database not usable within LOOKUP_WAIT: the error as it was, and why nothing more is said)."""
    from digest.errors import StoreError

    try:
        yield
    except ProfileError as e:
        started = time.monotonic()
        try:
            said = _looked_up(config, user, now, again, removed=True)
        except StoreError as unusable:
            waited = time.monotonic() - started >= LOOKUP_WAIT  # the bound, not a refusal, ended it
            raise ProfileError(f"{e} ({not_looked_up(user, unusable, waited)})") from e
        if said is None:  # a file there, a name never a reader's: said alone
            raise
        raise said from e


def not_looked_up(user: str, unusable: Exception, waited: bool) -> str:
    """Why a name without a file is said without whether it was a renamed or removed reader's;
    ``waited``: the database did not answer within LOOKUP_WAIT (said: why no longer), not refused
    (an older schema, a read-only disk, a connection refused: said alone)."""
    bound = f" (this look-up waits {LOOKUP_WAIT} s at most)" if waited else ""
    return (
        f"whether {user} was a reader whose file was renamed or removed is not known: the database "
        f"could not be read{bound}: {unusable}"
    )


def renamed_error(
    config: Any, user: str, now: dt.datetime, again: str, *, removed: bool = False
) -> ProfileError | None:
    """The error of :func:`load_named` for ``user`` if their file is gone because it was renamed
    (``removed``: or removed, their history kept: :func:`removed_said`), else None: for a command
    that needs no file (`digest suppressed --release`, a removed reader's suppression lifted), to
    say the new name instead of what it says of the old one."""
    from digest.errors import StoreError

    try:
        return _looked_up(config, user, now, again, removed=removed)
    except StoreError:  # the database not usable: the missing file said alone
        return None


def _looked_up(config: Any, user: str, now: dt.datetime, again: str, *, removed: bool) -> ProfileError | None:
    """:func:`renamed_error`'s error; StoreError if the database cannot be read (in LOOKUP_WAIT)."""
    from digest.profiles.load import has_profile_file, no_profile, profile_path

    if has_profile_file(config, user):
        return None
    new = _new_name(config, user, now, again, removed)
    return None if new is None else ProfileError(f"{no_profile(profile_path(config, user), user)}: {new}")


def _new_name(config: Any, user: str, now: dt.datetime, again: str, removed: bool) -> str | None:
    from pathlib import Path

    from digest.db import db_errors, is_postgres, shown

    if not is_postgres(config.database) and not Path(config.database).exists():
        return None  # no database yet: nobody carried over, nor any history to go on (none made)
    try:
        return _in_database(config, user, now, again, removed)
    except db_errors() as e:  # a statement not answered in LOOKUP_WAIT (a lock held elsewhere), refused
        raise _unread(config.database, shown(config.database), e) from e


def _unread(database: Any, name: str, error: BaseException) -> StoreError:
    """What kept the look-up from reading the database, said where it is known (a lock held too
    long, SQLite's, or a statement of PostgreSQL's not answered in the look-up's wait; a table
    missing; a role refused it: as commands say them), else the server's words."""
    import re
    import sqlite3

    from digest.db import is_postgres
    from digest.dbfaults import explain, explain_pg

    first = " ".join(str(error).strip().split("\n")[0].split())  # not PostgreSQL's "LINE 1: ..." after
    if is_postgres(database) and isinstance(error, Exception):
        clear = explain_pg(error, name, str(database))
    else:
        clear = explain(error, database) if isinstance(error, sqlite3.Error) else None
    if clear is None and getattr(error, "sqlstate", None) == "57014":  # the bound's statement_timeout
        clear = StoreError(
            f"{name}: the server did not answer in time: a table it reads held by another session (another "
            f"digest's upgrade of the tables, a connection left idle in a transaction), or the server busy; "
            f"try again once it is done ({first})"
        )
    missing = re.fullmatch(r'no such table: (\w+)|relation "(\w+)" does not exist', first)
    if clear is None and missing:
        clear = StoreError(
            f"{name}: its table {missing[1] or missing[2]} is missing, though its schema version says "
            f"it was made (the database restored in part, or changed by hand) ({first})"
        )
    return clear or StoreError(f"{name}: {first}")


def _in_database(config: Any, user: str, now: dt.datetime, again: str, removed: bool) -> str | None:
    from digest.daemon.renamed import NONE_CONTINUES, has_records, known_readers, pending
    from digest.profiles.load import has_profile_file, load_profiles_lenient, profile_names
    from digest.store import Store

    # only read, never migrated (an older schema: StoreUnusable, said "not known"): it only words an error
    with Store(config.database, readonly=True, as_found=True, timeout=LOOKUP_WAIT) as store:
        if store.schema_version == 0:
            return None  # a PostgreSQL database nothing was stored in yet: nobody's history either
        row = store.db.execute("SELECT user FROM reader_renames WHERE old_user = ?", (user,)).fetchone()
        new = None if row is None else row[0]
        if new is not None and has_profile_file(config, new):
            return f"{user}'s profile file was renamed: the reader is {new} now (`{again.format(new)}`)"
        gone = new or user  # the name whose history goes on: the later one, once carried over
        then = "" if new is None else f"{user}'s profile file was renamed {new}, and "
        known = known_readers(store)  # the new profiles (no records) that each would continue it, alone
        takers = [p for p in load_profiles_lenient(config)[0] if p.user not in known]
        takers = [p for p in takers if any(c.old == gone for c in pending(config, store, [p], now))]
        if len(takers) > 1 and len([p for p in takers if not p.paused]) != 1:  # pending's rule: none does
            return then + NONE_CONTINUES.format(old=gone, names=", ".join(p.user for p in takers))
        for item in pending(config, store, takers, now):  # (not logged again: it is said here)
            if item.old == gone:  # the new name's file renamed again, no send since: that one
                return f"{then}{item.describe()} from the next send: `{again.format(item.new)}`"
        # no rename: a reader removed, not a name mistyped (nor every file gone: a disk not mounted)
        if new is None and removed and has_records(store.db, user) and profile_names(config) is not None:
            return removed_said(store, user)
    if new is not None:  # the reader's later file gone too (removed): no command to give
        return f"{user}'s profile file was renamed {new}, and {new}'s is gone too: the reader was removed"
    return None


def removed_said(store: Any, user: str) -> str:
    """What a name whose file was removed (no rename) says instead of the closest file's name
    ("Did you mean 'bad'?": a copied command would act on another reader): the file is gone, the
    reader's history is kept, and how to put them back (their file again, with their address: a
    file with another address is a new reader, digest.daemon.names)."""
    from digest.daemon.archive import last_address

    address = last_address(store.db, user)
    email = "ADDR" if address is None else address
    return (
        f"{user}'s profile file is gone (the reader was removed); their history (the papers sent, "
        f"their ratings) is kept in the database. To put them back, restore the file, or make it again "
        f"with their address: `{typed('profile', 'new', user, '--email', email, '-i', 'KEYWORD').format()}`"
    )
