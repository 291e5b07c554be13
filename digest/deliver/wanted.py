"""Is a message still wanted, right before it goes out?

A digest is planned for a reader who is neither paused nor suppressed, and a long pass (a slow
server, thousands of readers) may reach their message an hour later. By then the reader may
have unsubscribed: a one-click writes ``paused: true`` into their profile file, or, when that
file cannot be read, keeps the request in the database (a suppression of kind ``unsubscribe``);
a bounce of this pass may have suppressed the address; they may have given another address
(``email:``), maybe because the old one is no longer theirs. So each message is looked at again just
before it is handed to the server (digest.deliver.lines): a message held so is recorded as
failed, not tried (its papers free again), as a message to a suppressed address always was, and
the reader's undo lets their next digest go as usual. A message to an address its reader no
longer gives is held so too, not re-addressed (its text names the address it was made for): while
the send time's grace lasts, the period it was the digest of counts as not done any more
(:func:`reopen_period`), so the day's digest is made again for the address they give now; held
later, the period stays done (no `digest send` that day makes it again), and its papers go in their
next digest. The suppressions are per
address: one of the old address blocks nothing of the new. A removed reader's message (its records
moved aside when their name went to another reader: digest.daemon.archive) is held so too, and so
is one whose reader's file was removed, found gone by a look (:meth:`StillWanted.removed`). A new
digest is looked at once more as it is stored (:func:`given_away`): planned before its reader's
file was found gone, it is a removed reader's, and not stored at all.

Cheap enough for every message: the suppression is one look-up by the reader's key; the file is
one ``stat``, and it is read only when it may have changed after the planning read it, once per
version of it in a pass. The planning of a message came before the message was made (this pass's
``now`` for a new one; an earlier pass's for one tried again, a deferral), from a reading of the
file at most :func:`lookback` older: so a file changed since the earlier of the two, less that,
is read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.config import Config
from digest.db import POSTGRESQL
from digest.deliver.data_lost import ANSWERED_DATA, answer_lost
from digest.deliver.suppressions import Suppressions, same_address
from digest.errors import ProfileError
from digest.file_stamps import file_changes
from digest.files import counted
from digest.models import Profile, is_archived
from digest.profiles.load import Versions, has_profile_file, load_profile, profile_path
from digest.slots import due_slot
from digest.store import FAILED, QUEUED, Store, iso
from digest.store_chunks import in_chunks

# At least this much before a message was made, a change of its reader's file is looked at: the
# planning (which read every profile, maybe from a cache checked earlier) came before the message
# was made, and the margin also covers a file server's clock somewhat behind ours.
LOOKBACK = dt.timedelta(hours=1)


def lookback(config: Config) -> dt.timedelta:
    """How much older than the message the planning's reading of a file may be, with LOOKBACK's
    margin: the daemon's ``scheduler.profiles_rescan_seconds`` (a file edited in place leaves the
    folder's time as it was, and is seen only when the folder is read anyway: digest.profiles.watch)
    plus LOOKBACK (its margin for a file server's clock kept however long the rescan)."""
    return LOOKBACK + config.scheduler.profiles_rescan


def given_away(
    store: Store, config: Config, messages: Sequence[tuple[str, str]], planned: dt.datetime
) -> set[str]:
    """The names of those ``messages`` (name, address) that are a removed reader's: the name's
    file found gone after ``planned`` (the pass's ``now``, after it read the profiles; the
    removal not undone: ``reader_names.gone_at``, written by the looks, digest.daemon.names), and
    no file under it now, or one with another address (a new reader). Their digests, planned
    from a reading before, are for nobody: not stored, their period not marked under the name,
    whose next reader gets their own first digest. Asked in the transaction that would store
    them, before it takes any other row; on PostgreSQL the names' rows are held (FOR SHARE, in
    the names' order) until it ends, so a look writing a removal meanwhile (its UPDATE waits)
    comes after, and moves the stored digest aside with the removed reader's records. A look
    holds the names it writes before it moves any row (digest.daemon.names.look), so neither
    waits holding a row the other wants. Times are whole seconds: a
    removal within ``planned``'s second counts, the file's address telling the newcomer's digest
    from the removed reader's."""
    if not messages:
        return set()
    address = dict(messages)
    marks = ",".join("?" * len(address))
    held = " FOR SHARE" if store.dialect == POSTGRESQL else ""
    sql = f"SELECT user, gone_at FROM reader_names WHERE user IN ({marks}) ORDER BY user{held}"
    since = iso(planned)
    gone = [user for user, at in store.db.execute(sql, tuple(address)).fetchall() if at and at >= since]
    return {user for user in gone if not _addressed(config, user, address[user])}


def hold_names(store: Store, names: Sequence[str], *, share: bool = False) -> None:
    """PostgreSQL: the rows of the (sorted) ``names`` held first, before any other row, by each
    transaction that writes readers' rows: a look or a carry-over writing them (FOR NO KEY
    UPDATE: digest.daemon.names.look, digest.daemon.renamed.carry), a pass storing digests and
    results for them (``share``: FOR SHARE, digest.deliver.lines). Two of them that meet wait at
    the names, holding no row the other wants: never in a cycle (a deadlock). A chunk of names at a
    time (many readers' files gone at once), in the same transaction, all in one order: their code
    points' (Python's sorted order, and the "C" collation's within a chunk), not the database's
    collation, which orders the names of one chunk otherwise ("alice" before "Bob" under en-US)."""
    if store.dialect != POSTGRESQL:
        return
    mode = "SHARE" if share else "NO KEY UPDATE"
    for chunk, marks in in_chunks(sorted(set(names))):
        sql = f'SELECT user FROM reader_names WHERE user IN ({marks}) ORDER BY user COLLATE "C" FOR {mode}'
        store.db.execute(sql, tuple(chunk)).fetchall()


def _addressed(config: Config, user: str, address: str) -> bool:
    """Has ``user``'s profile file, as it is now, the address ``address``?"""
    now = address_now(config, user)
    return now is not None and same_address(now, address)


def address_now(config: Config, user: str) -> str | None:
    """The address in ``user``'s profile file as it is now; None: no file, or one that cannot be
    read (yet)."""
    try:
        return load_profile(config, user).email
    except ProfileError:
        return None


@dataclass(frozen=True)
class GivenAway:
    """A new digest not stored, a removed reader's (:func:`given_away`): `digest send` lists it."""

    user: str
    recipient: str  # the address it was made for
    papers: int
    now: str | None  # the address the name's file gives now (None: no file, or one not read yet)

    def describe(self) -> str:
        name = f"given to {self.now}" if self.now else "has no readable file now"
        return (
            f"not sent: {self.user}'s profile file was removed after this digest was planned, and the "
            f"name {name} (a removed reader's digest: sent to nobody)"
        )


GIVEN_AWAY = (  # logged with the name and the period
    "digest for %s (%s) not queued: their profile file was found gone after it was planned, and "
    "the name has no file or another address now (a removed reader's: sent to nobody; the name's "
    "next reader gets their own first digest)"
)


def note_given_away(store: Store, user: str, recipient: str, period: str | None, papers: int) -> None:
    """Inside the transaction that did not store it: a removed reader's digest (:func:`given_away`)
    kept on the name's last removal (``reader_name_removals.dropped``), which `digest status` lists
    (digest.daemon.status) while the failed messages are listed: a daemon's pass only logs it."""
    what = f"digest for {period} " if period else "digest "
    store.db.execute(
        "UPDATE reader_name_removals SET dropped = ? WHERE user = ? AND gone_at = "
        "(SELECT MAX(gone_at) FROM reader_name_removals WHERE user = ?)",
        (f"{what}to {recipient} ({counted(papers, 'paper')})", user, user),
    )


READDRESSED = "the reader's address changed since the digest was made"  # a hold's reason begins so
NEXT = "its papers go in their next digest, to that address"
REMADE = f"{NEXT}: made again today while the send time's grace lasts"
# an earlier try's data reached the server, its answer lost (or "221 bye": data_lost.unconfirmed)
MAYBE_TAKEN = "{}, so the server may have taken it: the day's digest is not made again; " + NEXT
LOST = "an earlier try's answer was lost during DATA"
UNCONFIRMED = "an earlier try's data was answered neither as accepted nor as refused"


def readdressed(store: Store, user: str, period: str | None, message_id: str, grace_lasts: bool) -> str:
    """Inside the transaction that holds a message for its reader's new address: its period
    reopened (:func:`reopen_period`, the message marked ``reopened``) while its send time's grace
    lasts (``grace_lasts``: :meth:`StillWanted.grace_lasts`), unless an earlier try of it may have
    reached the server (its answer lost during DATA: a day's digest made again would be a second
    one). The end of the hold's reason: the day's digest made again only where the period was
    reopened; not for another message than the period's digest (`digest send --force`'s), an older
    period's, a weekly reader's sent by a `digest send` days after their slot, nor after the grace
    (the period stays done: a `digest send` later that day makes nothing, the daemon has no reason
    to look at the reader again)."""
    rows = store.db.execute(
        "SELECT reply FROM attempts WHERE ok = 0 AND outbox_id IN "
        "(SELECT id FROM outbox WHERE message_id = ?)",
        (message_id,),
    ).fetchall()
    lost = [reply for (reply,) in rows if answer_lost(reply or "")]
    if lost:
        return MAYBE_TAKEN.format(LOST if any(not r.startswith(ANSWERED_DATA) for r in lost) else UNCONFIRMED)
    if not grace_lasts or not reopen_period(store, user, period, message_id):
        return NEXT
    store.db.execute("UPDATE outbox SET reopened = 1 WHERE message_id = ?", (message_id,))
    return REMADE


def held_for_new_address(store: Store, since: dt.datetime) -> list[str]:
    """The readers of the messages held for their new address whose period was reopened
    (:func:`readdressed`), their retry due at or after ``since``, whatever held them: the daemon's
    pass, another worker's, a `digest send` (which retries at once what waits for the readers it
    serves). The daemon looks at them again (digest.daemon.due.DueIndex.look_again): the day's
    digest is made again while the grace lasts. An index range (outbox_due): the failed messages
    of that time, those marked ``reopened`` by the hold (whatever words its reason has)."""
    rows = store.db.execute(
        "SELECT DISTINCT user FROM outbox WHERE status = ? AND next_attempt_at >= ? AND reopened = 1",
        (FAILED, iso(since)),
    )
    return [user for (user,) in rows.fetchall()]


def reopen_period(store: Store, user: str, period: str | None, message_id: str) -> bool:
    """Inside the transaction that holds a message (``message_id``, of ``user``'s ``period``) for
    its reader's new address while its send time's grace lasts, none of whose tries may have reached
    the server (:func:`readdressed`): if it was the digest of their last period done, that period counts
    as not done any more (its backstop row dropped, their schedule state put back to the period
    before, or none), so the day's digest is made again for the address they give now while the
    send time's grace lasts (digest.slots.due_slot), from its papers, free again. Nothing
    goes twice. Returns whether it was reopened."""
    db = store.db
    state = db.execute("SELECT last_period FROM schedule_state WHERE user = ?", (user,)).fetchone()
    if period is None or state is None or state[0] != period:
        return False  # an older period's message: a later digest was made since
    dropped = db.execute(
        "DELETE FROM period_digests WHERE user = ? AND period = ? AND message_id = ?",
        (user, period, message_id),
    )
    if dropped.rowcount != 1:
        return False  # the period's digest is another message (`digest send --force`'s)
    before = db.execute(
        "SELECT period, (SELECT created_at FROM outbox WHERE outbox.message_id = period_digests.message_id) "
        "FROM period_digests WHERE user = ? AND period < ? ORDER BY period DESC LIMIT 1",
        (user, period),
    ).fetchone()
    if before is not None and before[1] is not None:
        db.execute(
            "UPDATE schedule_state SET last_period = ?, last_run_at = ? WHERE user = ?",
            (before[0], before[1], user),
        )
    else:  # no earlier digest kept: as a reader never scheduled (their windows read the outbox)
        db.execute("DELETE FROM schedule_state WHERE user = ?", (user,))
    return True


def removed_waiting(store: Store) -> list[str]:
    """The names found removed by a look (``reader_names.live`` 0: digest.daemon.names) with a
    message waiting to be sent: a `digest send` to every reader serves those with a file, and asks
    for these too, so that their messages are held (:meth:`StillWanted.removed`) rather than
    left waiting for good where no daemon runs."""
    rows = store.db.execute(
        "SELECT DISTINCT o.user FROM outbox o JOIN reader_names n ON n.user = o.user "
        "WHERE o.status = ? AND n.live = 0 ORDER BY o.user",
        (QUEUED,),
    )
    return [user for (user,) in rows.fetchall()]


def removed_readers(
    config: Config, suppressions: Suppressions, users: Iterable[str], now: dt.datetime
) -> dict[str, str]:
    """Those of ``users`` (with a message waiting) who are removed readers, each with why: a
    message of theirs is held when it is tried (:meth:`StillWanted.why_not`: the daemon's pass when
    its retry is due, `digest send` without --user at once), never sent; `digest status` says so."""
    wanted = StillWanted(config, suppressions, now)
    return {
        user: "their name went to another reader" if is_archived(user) else "their profile file is gone"
        for user in users
        if is_archived(user) or wanted.removed(user)
    }


class StillWanted:
    """Why a message to ``user`` at ``recipient`` is not to go out now, if so (:meth:`why_not`).
    Called with the store taken (it reads the suppressions)."""

    def __init__(self, config: Config, suppressions: Suppressions, now: dt.datetime) -> None:
        self.config = config
        self.suppressions = suppressions
        self.now = now
        self.lookback = lookback(config)
        self.read = Versions(config)  # the readers' files as read
        self.readdressed: dict[str, Profile] = {}  # the readers held for a new address: their file now

    def why_not(self, user: str, recipient: str, made: dt.datetime) -> str | None:
        """The reason to hold the message made at ``made`` (the outbox's "not tried: ..."), or
        None: it may go."""
        blocked = self.suppressions.blocks(user, recipient)
        if blocked is not None:
            return f"address suppressed: {blocked.describe()}"
        if is_archived(user):  # moved aside by a look (digest.daemon.archive): no file is theirs
            return (
                "a removed reader's (their name went to another reader since the digest was made): "
                "not sent after they left"
            )
        if self.removed(user):
            return "a removed reader's (their profile file is gone): not sent after they left"
        profile = self.changed(user, min(made, self.now) - self.lookback)
        if profile is None:
            return None
        if profile.paused:
            return "paused since the digest was made: their profile file says paused: true (an unsubscribe)"
        if not same_address(profile.email, recipient):
            self.readdressed[user] = profile
            return f"{READDRESSED}: their profile file says email: {profile.email}"  # (readdressed's end)
        return None

    def removed(self, user: str) -> bool:
        """Is ``user``'s profile file gone, found so by a look (``reader_names.live`` 0:
        digest.daemon.names) and not back since? A file renamed is carried over before (its
        messages the new name's: digest.daemon.renamed), or, while a message of its reader's is
        being sent, left live until it is; a folder not mounted is no removal."""
        if has_profile_file(self.config, user):
            return False
        sql = "SELECT live FROM reader_names WHERE user = ?"
        row = self.suppressions.store.db.execute(sql, (user,)).fetchone()
        return row is not None and not row[0]

    def grace_lasts(self, user: str, period: str | None) -> bool:
        """Would the daemon make ``user``'s digest of ``period`` again now, were it reopened: by
        their file as read (:meth:`why_not`), their latest send time is that period's and its grace
        (``scheduler.grace_minutes``) lasts (digest.slots.due_slot)."""
        profile = self.readdressed.get(user)  # the period reopened: not done
        slot = due_slot(profile, self.now, None, self.config.scheduler.grace) if profile is not None else None
        return slot is not None and slot.period == period

    def changed(self, user: str, since: dt.datetime) -> Profile | None:
        """The reader's profile file as it reads now, if it changed after ``since`` (before which
        the planning read it); else None. A file that cannot be read now, or is gone, holds
        nothing (None): the planning's reading stands (a one-click on a broken file is kept in the
        database, :meth:`why_not` looks there first)."""
        since_ns = int(since.timestamp() * 1_000_000_000)
        path = profile_path(self.config, user)
        for candidate in (path, path.with_suffix(".yml")):
            stamped = file_changes(candidate)
            if stamped is None:
                continue
            identity, changed = stamped
            if changed < since_ns:  # neither written nor moved in since (a moved file keeps its mtime)
                return None
            return self.read.profile(str(candidate), identity)
        return None
