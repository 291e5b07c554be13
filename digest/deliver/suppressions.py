"""Hard bounces: an address the server refused for good (5xx) gets no more digests.

Mailbox providers penalize senders who keep mailing addresses that bounce, so the first
5xx refusal of the reader's address (at RCPT; after DATA, one that says the address is bad,
"5.1.x" or "5.2.1": digest.deliver.transports.refusal) suppresses it: no digest is queued for
it and nothing queued is attempted. A refusal of us (a "5.7.x" relaying or policy refusal at
RCPT, our sender refused) suppresses nobody. The suppression holds until the address in the
reader's profile changes, or the reader is released (`digest suppressed --release USER`, or
`digest profile set USER paused false`).

A reader's unsubscribe (the one-click POST of RFC 8058, or the unsubscribe page's button) that
cannot be written into their profile file (a hand edit broke it, or its disk refused the write) is
kept here too, as a suppression of kind ``unsubscribe``: it stops mail to
any address of theirs (the file may be fixed with another one), until they undo it from the
page, or it is released as above. A bounce never replaces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from digest.db import POSTGRESQL, shown
from digest.errors import StoreError
from digest.models import Profile
from digest.row_waits import holders
from digest.store import Store, iso

BOUNCE, UNSUBSCRIBE = "bounce", "unsubscribe"


@dataclass(frozen=True)
class Suppression:
    user: str
    recipient: str  # the refused address; of an unsubscribe, their latest digest's ('' if none)
    reply: str  # the server's refusal; of an unsubscribe, how it was asked
    at: dt.datetime
    kind: str = BOUNCE  # BOUNCE | UNSUBSCRIBE

    def describe(self) -> str:
        if self.kind == UNSUBSCRIBE:
            return f"unsubscribed on {self.at:%Y-%m-%d %H:%M} UTC: {self.reply}"
        return f"<{self.recipient}> refused on {self.at:%Y-%m-%d %H:%M} UTC: {self.reply}"

    def covers(self, address: str) -> bool:
        """Does it stop mail to ``address``? A bounce, that address's; an unsubscribe, any."""
        return self.kind == UNSUBSCRIBE or same_address(self.recipient, address)


def same_address(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


ONE_CLICK_ASKED, PAGE_ASKED = "one-click", "from their unsubscribe page"


def kept_unsubscribe_reason(asked: str = ONE_CLICK_ASKED, unsaved: bool = False, closed: bool = False) -> str:
    """How an unsubscribe kept here was asked (``asked``: the mail provider's one-click POST, or
    the button of the unsubscribe page) and why the file could not take it: what `digest send`,
    `digest status` and `digest suppressed` say of it. ``closed``: not written for the folder's
    permissions (the web server's account may not make files in it), not for its disk."""
    if closed:
        why = "could not be written (the profiles folder not writable for the server's account)"
    else:
        why = "could not be written (its disk full or read-only)" if unsaved else "could not be read"
    return f"{asked}, while their profile file {why}"


UNREADABLE_UNSUBSCRIBE = kept_unsubscribe_reason()


class Suppressions:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.waited_ms = LIFT_WAIT_MS  # a lift's bound on a row another session holds (PostgreSQL)

    def add(self, user: str, recipient: str, reply: str, now: dt.datetime) -> None:
        """Suppress ``recipient`` for ``user``; call inside the transaction recording the refusal."""
        self.db.execute(
            "INSERT INTO suppressions (user, recipient, reply, at) VALUES (?,?,?,?) "
            "ON CONFLICT(user) DO UPDATE SET recipient = excluded.recipient, "
            "reply = excluded.reply, at = excluded.at WHERE suppressions.kind = ?",  # an unsubscribe stays
            (user, recipient, reply, iso(now), BOUNCE),
        )

    def unsubscribe(self, user: str, now: dt.datetime, how: str = UNREADABLE_UNSUBSCRIBE) -> None:
        """Keep ``user``'s request for no more digests (their file could not say it), in one
        transaction; it replaces a bounce (it stops more)."""
        with self.store.transaction():
            row = self.db.execute(
                "SELECT recipient FROM outbox WHERE user = ? ORDER BY id DESC LIMIT 1", (user,)
            ).fetchone()
            self.db.execute(
                "INSERT INTO suppressions (user, recipient, reply, at, kind) VALUES (?,?,?,?,?) "
                "ON CONFLICT(user) DO UPDATE SET recipient = excluded.recipient, "
                "reply = excluded.reply, at = excluded.at, kind = excluded.kind",
                (user, row[0] if row else "", how, iso(now), UNSUBSCRIBE),
            )

    def unsubscribed(self, user: str) -> Suppression | None:
        """``user``'s unsubscribe kept here, if any."""
        found = self.get(user)
        return found if found is not None and found.kind == UNSUBSCRIBE else None

    def get(self, user: str) -> Suppression | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM suppressions WHERE user = ?", (user,)).fetchone()
        return _suppression(row) if row else None

    def blocks(self, user: str, recipient: str) -> Suppression | None:
        """The suppression that stops mail to ``recipient`` for ``user``, if any."""
        found = self.get(user)
        return found if found is not None and found.covers(recipient) else None

    def blocking(self, profile: Profile) -> Suppression | None:
        """The suppression of the reader's current address (None once the address changed)."""
        return self.blocks(profile.user, profile.email)

    def all(self) -> list[Suppression]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM suppressions ORDER BY user")
        return [_suppression(r) for r in rows]

    def release(self, user: str, kind: str | None = None) -> bool:
        """Lift the reader's suppression (only of that ``kind``, if given); False if there was none."""
        with self.releasing(user, kind) as found:
            return found

    @contextmanager
    def releasing(self, user: str, kind: str | None = None) -> Iterator[bool]:
        """:meth:`release`, its transaction held open over the block, which does what goes with
        it (a profile file written): committed once the block ends, rolled back if it raises."""
        sql, args = "DELETE FROM suppressions WHERE user = ?", (user,)
        if kind is not None:
            sql, args = sql + " AND kind = ?", (user, kind)
        try:
            with self.store.transaction():
                self._bound_the_wait()
                deleted = self.db.execute(sql, args).rowcount > 0
                yield deleted
        except Exception as e:
            if (said := self._gave_up(e, user)) is None:
                raise
            raise said from None

    def release_all(self, users: Sequence[str]) -> list[str]:
        """Lift the suppressions of every one of ``users``, all or none (one transaction): the
        names with none, in order (then nothing is lifted), or [] once all are lifted."""
        user = ""
        try:
            with self.store.transaction():
                self._bound_the_wait()
                missing = [u for u in dict.fromkeys(users) if self.get(u) is None]
                if not missing:
                    for user in users:
                        self.db.execute("DELETE FROM suppressions WHERE user = ?", (user,))
        except Exception as e:
            if (said := self._gave_up(e, user)) is None:
                raise
            raise said from None
        return missing

    def _bound_the_wait(self) -> None:
        """In a lift's transaction, on PostgreSQL: a row another session holds waited for
        LIFT_WAIT_MS at most, in this transaction only (SQLite's busy timeout bounds its wait alike),
        or for the session's own lock_timeout where the operator set a shorter one (their role's or
        database's setting, PGOPTIONS' -c lock_timeout=)."""
        if self.store.dialect == POSTGRESQL:
            own = int(
                self.db.execute("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'").fetchone()[0]
            )
            self.waited_ms = min(own, LIFT_WAIT_MS) if own > 0 else LIFT_WAIT_MS  # 0: no bound of theirs
            self.db.execute(f"SET LOCAL lock_timeout = {self.waited_ms}")

    def _gave_up(self, e: Exception, user: str) -> StoreError | None:
        """``e`` as said to the user if it is the lift's wait for ``user``'s row ended (PostgreSQL's
        lock_not_available, the transaction rolled back), else None."""
        if getattr(e, "sqlstate", None) != "55P03":
            return None
        held = _holders(self.store, user)
        return StoreError(
            f"{shown(self.store.path)}: {user}'s suppression stayed locked by another session for "
            f"{self.waited_ms / 1000:g} s ({held}); nothing was changed: wait for it to "
            f"end its transaction (commit or roll back) and try again ({str(e).splitlines()[0]})"
        )


_COLUMNS = "user, recipient, reply, at, kind"
LIFT_WAIT_MS = 30_000  # a suppression another session holds, waited for (SQLite's busy timeout: 30 s)


def _holders(store: Store, user: str) -> str:
    """The sessions whose transaction holds ``user``'s suppression (digest.row_waits.holders: a
    FOR UPDATE, FOR SHARE, UPDATE or DELETE not yet ended, of one session or several)."""
    return holders(store, "suppressions", "user = ?", (user,))


def _suppression(row: tuple[str, str, str, str, str]) -> Suppression:
    return Suppression(row[0], row[1], row[2], dt.datetime.fromisoformat(row[3]), row[4])


def until_released(user: str) -> str:
    """How a suppressed reader gets mail again, as `digest send` and `digest preview` say it."""
    return f"until `digest suppressed --release {user}`"


def suppressed_note(store: Store, profile: Profile, continues: str | None = None) -> str | None:
    """What `digest preview` says of a reader whose mail is stopped (an unsubscribe, a hard
    bounce of their address), as `digest send` would plan them; None if it is not. ``continues``:
    the name whose history the profile goes on with, if another (a renamed file not carried
    over yet): the send carries that name's suppression over to the profile first."""
    user = profile.user
    old = continues if continues not in (None, user) else None
    blocked = Suppressions(store).blocks(old or user, profile.email)
    if blocked is None:
        return None
    if old is None:
        return (
            f"{user} is suppressed ({blocked.describe()}): `digest send` sends them nothing "
            f"{until_released(user)}."
        )
    return (
        f"{user} is suppressed (as {old}, whom {user} continues: {blocked.describe()}): `digest send` "
        f"sends them nothing until `digest suppressed --release {old}` ({user} once a `digest send` "
        f"or the daemon's pass has carried {old} over)."
    )
