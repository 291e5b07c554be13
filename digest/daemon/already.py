"""What `digest send` (and `digest preview`) say of a reader whose period's digest is done already:
sent, done with nothing new, queued (waiting, or held by another process, connected or gone), or
attempted and failed for good, in the reader's time zone."""

from __future__ import annotations

import datetime as dt

from digest.daemon.lease_holders import LeaseHolder, unknown, utc_at
from digest.deliver.held_said import reply_said, retry_said, waits_until
from digest.deliver.outbox import OutboxEntry
from digest.deliver.oversize import fits_no_digest
from digest.local_day import day_at
from digest.models import Profile
from digest.store import FAILED, QUEUED, SENT

# a digest a `send --to-dir` made and did not write (stopped first): that command writes it; one by SMTP
# takes it too (Outbox.due_ids), as the reader's email
MADE_FOR_FILES = "made by a `send --to-dir`: `digest send --to-dir` writes it, `digest send` emails it"


def until_unpaused(user: str) -> str:
    """How a paused reader gets mail again, as `digest send` and `digest preview` say it."""
    return f"until `digest profile set {user} paused false`"


def paused_note(user: str) -> str:
    """A paused reader's row in `digest send`: what lifts it, as a suppressed reader's says (`send
    --dry-run` names a renamed reader by the new name, which the command takes)."""
    return f"paused: gets nothing {until_unpaused(user)}"


def held_then(entry: OutboxEntry, leases_at: dt.datetime | None) -> bool:
    """Does another worker hold this message at ``leases_at`` (PostgreSQL; None: SQLite, whose claim left
    is a dead process's)?"""
    return bool(leases_at and entry.claimed_by and entry.claimed_until and entry.claimed_until >= leases_at)


def waiting_here(
    latest: OutboxEntry | None, made_at: dt.datetime, leases_at: dt.datetime | None
) -> OutboxEntry | None:
    """The period's message (``latest``, made at ``made_at`` or after) if it waits for this `digest
    send`: queued, and no other worker's at ``leases_at`` (under `send --to-dir`, one that is the
    reader's email, outbox.for_email, is left queued for SMTP)."""
    if latest is None or latest.created_at < made_at or latest.status != QUEUED:
        return None
    return None if held_then(latest, leases_at) else latest


def queued_on(profile: Profile, entry: OutboxEntry, now: dt.datetime) -> str:
    """'already queued today at 07:02', in the reader's time zone."""
    return f"already queued {day_at(profile.timezone, entry.created_at, now)}"


def waiting_said(entry: OutboxEntry) -> str:
    """A queued message no other worker holds, which `digest send` takes: "waiting (`digest send`
    retries it)" of one tried before, "waiting, not tried yet (`digest send` sends it)" of one made and
    never offered (a send stopped before it), or made by a `send --to-dir` that stopped first (which
    `digest send --to-dir` writes and `digest send` emails): nothing was tried, so nothing is retried."""
    if not entry.attempts and entry.for_files:  # a `send --to-dir` stopped
        return f"waiting, not tried yet ({MADE_FOR_FILES})"
    if not entry.attempts:  # made, never offered (a send stopped before it)
        return "waiting, not tried yet (`digest send` sends it)"
    return "waiting (`digest send` retries it)"


def left_said(entry: OutboxEntry, now: dt.datetime) -> str:
    """A queued message a `digest send` left untried (PostgreSQL: another worker deferred it again
    after the send's look, send_now's report.untouched): when it is retried, and why, as the send says
    a digest it deferred itself ("deferred until 2026-12-07 10:05:00 UTC: 451 ..."); one due
    (``now``), or never tried, as :func:`waiting_said` says it."""
    if not entry.attempts or entry.next_attempt_at <= now or not entry.last_error:
        return waiting_said(entry)
    return (
        f"{waits_until(entry.last_error, retry_said(entry.next_attempt_at))}: {reply_said(entry.last_error)}"
    )


def describe_already(
    profile: Profile,
    latest: OutboxEntry | None,
    made_at: dt.datetime,
    now: dt.datetime,
    leases_at: dt.datetime | None = None,
    holding: dict[str, LeaseHolder] | None = None,
) -> str:
    """'already sent today at 07:02', in the reader's time zone, from the reader's latest
    outbox entry (``latest``) if it is the period's message (made at ``made_at`` or after);
    ``leases_at`` (PostgreSQL: ``now`` on the database server's clock, the leases'): a message another
    worker holds then is said so (on SQLite a claim left is a dead process's: claims.free_for), and
    whether that worker is gone (``holding``: lease_holders', no session of it on the database), or a
    `digest send` (not in the workers table: a send is no worker)."""
    zone = profile.timezone  # what is said is in the reader's time: "today at 02:32 JST"
    entry = latest if latest is not None and latest.created_at >= made_at else None
    if entry is None:
        return f"already done {day_at(zone, made_at, now)} (nothing new then)"
    if entry.status == SENT and entry.sent_at is not None:
        return f"already sent {day_at(zone, entry.sent_at, now)}"
    held = held_then(entry, leases_at)
    queued = queued_on(profile, entry, now)
    holder = (holding or {}).get(entry.claimed_by or "")
    kind = "worker" if holder is None else holder.kind  # a `digest send`: no row in the workers table
    held_by = f"{queued}; held by {kind} {entry.claimed_by}"
    if entry.status == QUEUED and held and holder is not None and holder.connected is None:
        return f"{held_by} {unknown(entry.claimed_until, now)}"
    if entry.status == QUEUED and held and holder is not None and holder.connected is False:
        return (  # killed (its session ended with it): nobody sends it before its lease ends
            f"{held_by}, which is gone (no session of it on the database: killed, or its machine "
            "down); another worker or `digest send` sends it once its lease ends "
            f"{utc_at(entry.claimed_until, now)}"
        )
    if entry.status == QUEUED and held:
        return (  # another worker's now (this send claims nothing before it has planned)
            f"{held_by}, which sends it (its lease ends {utc_at(entry.claimed_until, now)}; then another "
            "worker or `digest send` does)"
        )
    if entry.status == QUEUED:
        return f"{queued}; {waiting_said(entry)}"
    if entry.status == FAILED:  # final: a `send` again does not try it; --force makes one now
        then = (
            ""
            if not fits_no_digest(entry.last_error or "")
            else "once a digest fits the server's size limit (as said before), "
        )
        return (  # a one-paper digest over SIZE: --force meets the same refusal until then
            f"already attempted {day_at(zone, entry.created_at, now)}: {entry.last_error}; not tried "
            f"again: {then}{profile.user}'s next digest will include its papers, or send them now with "
            f"`digest send --user {profile.user} --force`"
        )
    return f"already done {day_at(zone, made_at, now)}"
