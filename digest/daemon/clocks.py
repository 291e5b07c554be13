"""The clocks the leases run on: how far this machine's clock is off the PostgreSQL server's, what
to say of it, and a time of this machine's clock as the server's says it (the workers table, the
leases and the messages' due times are judged by every worker on the server's clock)."""

from __future__ import annotations

import datetime as dt

from digest.db import POSTGRESQL, wall_clock
from digest.store import Store

SKEW_SAID = dt.timedelta(seconds=10)  # NTP keeps clocks within milliseconds: this much is a fault


def clock_skew(store: Store, now: dt.datetime) -> dt.timedelta | None:
    """How far ``now`` (this machine's wall clock) is ahead of the PostgreSQL server's clock
    (negative: behind); None on SQLite, where one machine holds every lease. The server's clock
    as it is now, inside a transaction too (not the transaction's start, CURRENT_TIMESTAMP's)."""
    if store.dialect != POSTGRESQL:
        return None
    (server,) = store.db.execute("SELECT clock_timestamp()").fetchone()
    if isinstance(server, str):
        server = dt.datetime.fromisoformat(server)
    return now - server


def skew_note(skew: dt.timedelta | None, *, send: bool = False) -> str | None:
    """What to say of a clock ``skew`` off the database server's (None: nothing to say): what it
    risks for a daemon's worker, or (``send``) for a `digest send`, which serves its readers now and
    judges by this clock which period (a day of the reader's schedule) it sends and which sources
    are due (fetched first)."""
    if skew is None or abs(skew) < SKEW_SAID:
        return None
    ahead = skew > dt.timedelta(0)
    way, off = ("ahead of", "early") if ahead else ("behind", "late")
    seconds = f"{abs(skew).total_seconds():.0f} s"
    if send:
        taken = f"up to {seconds} ahead has come" if ahead else f"come in the last {seconds} is still ahead"
        risk = (
            "`digest send` judges by this clock which period it sends each reader (a day of their "
            f"schedule) and which sources are due to be fetched first ({seconds} {off}: a reader's next "
            f"period, or a source's moment, {taken}"
        )
    else:
        risk = f"its readers' digests are made when this clock reaches their send time ({seconds} {off}"
    return (
        f"this machine's clock is {seconds} {way} the database server's: {risk}; the leases and the "
        "messages' due times are the server's clock's); set the clock right (NTP) on this machine or "
        "the database server"
    )


def on_server_clock(now: dt.datetime, skew: dt.timedelta | None) -> dt.datetime:
    """``now``, a time of this machine's clock, as the database server's clock says it when the
    machine's ``skew`` (:func:`clock_skew`) is a fault (:data:`SKEW_SAID` or more); else ``now``
    as it is (NTP's milliseconds, SQLite's one clock, a pass's own ``now`` in step with the
    machine). The workers table is written and judged by every worker: its times are the
    server's, so a machine a day ahead does not prune the others' rows, nor does one a lease
    behind look stopped."""
    return now - skew if skew is not None and abs(skew) >= SKEW_SAID else now


def server_time(store: Store, now: dt.datetime, wall: dt.datetime | None = None) -> dt.datetime:
    """:func:`on_server_clock` with the skew of this machine's clock (``wall``: its reading, by
    default read now) measured now."""
    return on_server_clock(now, clock_skew(store, wall or wall_clock()))


class SkewSaid:
    """The clock's skew said once, not at every pass (a minute's poll: 1,440 lines a day): again
    when it moved by ``SKEW_SAID`` or more since, or an hour later; and said back in step."""

    def __init__(self) -> None:
        self.said: tuple[dt.timedelta, dt.datetime] | None = None  # the skew said, and when

    def to_say(self, skew: dt.timedelta | None, now: dt.datetime) -> bool | None:
        """True: say the skew now; False: it is back in step (say so); None: nothing to say."""
        off = skew is not None and abs(skew) >= SKEW_SAID
        if not off:
            was, self.said = self.said, None
            return False if was is not None else None
        assert skew is not None
        if self.said and abs(skew - self.said[0]) < SKEW_SAID and now - self.said[1] < dt.timedelta(hours=1):
            return None
        self.said = (skew, now)
        return True
