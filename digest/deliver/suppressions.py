"""Hard bounces: an address the server refused for good (5xx) gets no more digests.

Mailbox providers penalize senders who keep mailing addresses that bounce, so the first
5xx refusal of the reader's address (at RCPT; after DATA, one that says the address is bad,
"5.1.x" or "5.2.1": digest.deliver.transports.refusal) suppresses it: no digest is queued for
it and nothing queued is attempted. A refusal of us (a "5.7.x" relaying or policy refusal at
RCPT, our sender refused) suppresses nobody. The suppression holds until the address in the
reader's profile changes, or the reader is released (`digest suppressed --release USER`, or
`digest profile set USER paused false`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digest.models import Profile
from digest.store import Store, iso


@dataclass(frozen=True)
class Suppression:
    user: str
    recipient: str
    reply: str  # the server's refusal
    at: dt.datetime

    def describe(self) -> str:
        return f"<{self.recipient}> refused on {self.at:%Y-%m-%d %H:%M} UTC: {self.reply}"


def same_address(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


class Suppressions:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def add(self, user: str, recipient: str, reply: str, now: dt.datetime) -> None:
        """Suppress ``recipient`` for ``user``; call inside the transaction recording the refusal."""
        self.db.execute(
            "INSERT INTO suppressions (user, recipient, reply, at) VALUES (?,?,?,?) "
            "ON CONFLICT(user) DO UPDATE SET recipient = excluded.recipient, "
            "reply = excluded.reply, at = excluded.at",
            (user, recipient, reply, iso(now)),
        )

    def get(self, user: str) -> Suppression | None:
        row = self.db.execute(
            "SELECT user, recipient, reply, at FROM suppressions WHERE user = ?", (user,)
        ).fetchone()
        return _suppression(row) if row else None

    def blocks(self, user: str, recipient: str) -> Suppression | None:
        """The suppression that stops mail to ``recipient`` for ``user``, if any."""
        found = self.get(user)
        return found if found is not None and same_address(found.recipient, recipient) else None

    def blocking(self, profile: Profile) -> Suppression | None:
        """The suppression of the reader's current address (None once the address changed)."""
        return self.blocks(profile.user, profile.email)

    def all(self) -> list[Suppression]:
        rows = self.db.execute("SELECT user, recipient, reply, at FROM suppressions ORDER BY user")
        return [_suppression(r) for r in rows]

    def release(self, user: str) -> bool:
        """Lift the reader's suppression; False if there was none."""
        with self.store.transaction():
            return self.db.execute("DELETE FROM suppressions WHERE user = ?", (user,)).rowcount > 0


def _suppression(row: tuple[str, str, str, str]) -> Suppression:
    return Suppression(row[0], row[1], row[2], dt.datetime.fromisoformat(row[3]))
