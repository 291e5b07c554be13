"""`digest status`'s lines of the workers: each one running, with what it holds, or not seen since
(gone, with what that means and until when it is listed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.daemon.claims import FORGOTTEN, Worker
from digest.daemon.status_readers import shown_at
from digest.files import counted, lasted

if TYPE_CHECKING:
    from digest.daemon.status import Status


def gone(s: Status, w: Worker) -> str:
    """A worker not seen lately and holding no lease: how long since it was seen, what that means
    (of a release before the database's upgrade, which refuses it; on SQLite, where the lock tells,
    whether it runs at all), and until when it is listed."""
    ago = lasted((s.server_now or s.now) - w.seen_at)
    since = f"{w.id}: not seen for {ago} (since {shown_at(w.seen_at)}, then {w.holds or 'idle'})"
    if s.running is not None and w.id == s.running and not w.earlier:  # SQLite: in a pass, its lock held
        return f"{since}: stuck? it still holds the daemon's lock; listed while it does"
    what = (  # on SQLite the lock tells: no daemon runs, or another one (systemd's restart); a
        # hung one would hold it still
        ("stopped: another daemon runs now" if s.running else "stopped: no daemon runs")
        + " (killed: it did not sign off)."
        if s.running is not None
        else "killed, hung or its machine gone?"
    )
    if w.earlier:  # its release refuses the upgraded database: why it is not seen, running or not
        what = (
            f"a daemon of an earlier release ({w.earlier}): it refuses the database since its upgrade, "
            "so it neither runs nor signs off; upgrade digest there and restart it (or stop it)."
        )
    return (
        f"{since}: {what} Its leases have ended (what it held went to the others); listed until "
        f"{shown_at(w.seen_at + FORGOTTEN)} unless seen again"
    )


def worker_lines(s: Status) -> list[str]:
    """Each worker: running (seen lately, or holding a lease), with what it holds; or not seen
    since (killed, hung, or failing before its heartbeat: a worker of an older release after
    an upgrade, as its row's schema tells): :func:`gone`; and on SQLite the one running that
    has not written its row yet (its first heartbeat, as its first pass starts: held up by a busy
    database)."""
    starting = [f"{s.starting}: running, not seen yet (starting its first pass)"] if s.starting else []
    return starting + [
        f"{w.id}: last seen {shown_at(w.seen_at)} ({w.holds or 'idle'}); "
        f"holds {counted(w.readers, 'reader')}, {counted(w.messages, 'message')}"
        if w.there
        else gone(s, w)
        for w in s.workers
    ]
