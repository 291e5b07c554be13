"""The outbox: every digest is stored as its exact MIME bytes before any attempt to send it.

The bytes live in their own table (``outbox_mime``), so that recording a result rewrites a
small row, and retention (digest.deliver.retention) drops them after ``delivery.keep_days``.

A message is ``queued`` until the server accepts it (``sent``, and its papers are recorded as
sent to the reader in the same transaction) or refuses it for good (``failed``, and its papers
are free to go out in the reader's next digest, even one made while it waited for a retry:
digest.store_carried). A crash at any point loses nothing: what was queued is
sent on the next run, with the same Message-ID, so at most the one message that was in flight
at that instant can arrive twice, and mail clients fold the two.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zlib
from collections.abc import Iterable, Iterator, Sequence

import lz4.frame

from digest.deliver.claims import UNTRIED
from digest.deliver.marks import OutboxMarks
from digest.deliver.outbox_messages import NewMessage, OutboxEntry, OutboxMessage
from digest.deliver.replies import UNWRITTEN
from digest.row_waits import bound_the_wait, gave_up
from digest.store import FAILED, QUEUED, SENT, Store, iso
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)

_COLUMNS = (
    "id, message_id, user, recipient, period, subject, b.mime, "
    "paper_ids, status, attempts, next_attempt_at, last_error, created_at, sent_at, b.packed, "
    "queued_on_server"
)
_WITH_BYTES = "outbox LEFT JOIN outbox_mime b ON b.outbox_id = outbox.id"
# a new digest not stored, its period taken by another process meanwhile (`digest send` says it in its row)
HAS_ONE = "digest for %s (%s) not queued: the period has one already"
_LZ4_MAGIC = b"\x04\x22\x4d\x18"  # an LZ4 frame's first bytes (0x184D2204, little-endian)


def pack(mime: bytes) -> bytes:
    """A message's bytes as the outbox keeps them (``packed = 1``): an LZ4 frame with its content
    checksum, about 4 times smaller for a digest in some 0.06 ms for 40 KB (zlib's fastest level
    made them 5.5 times smaller in 0.3 ms, a seventh of the maker's time). :func:`unpack` gives
    them back."""
    return lz4.frame.compress(mime, content_checksum=True)


def unpack(stored: bytes, packed: bool) -> bytes:
    """The bytes :func:`pack` kept, or zlib's (what the outbox wrote before LZ4: a zlib stream
    never starts with the LZ4 magic, its first byte's low four bits being 8), or the bytes as
    they were (``packed = 0``: schema version 9)."""
    if not packed:
        return stored
    if stored[:4] == _LZ4_MAGIC:
        return lz4.frame.decompress(stored)
    return zlib.decompress(stored)


_ENTRY = (
    "id, message_id, user, recipient, subject, status, attempts, next_attempt_at, "
    "last_error, created_at, sent_at, claimed_by, claimed_until, for_files"
)


def server_deferred(m: OutboxEntry) -> bool:
    """Is this queued message waiting for its retry by SMTP (tried, and not a file that could not be
    written), whatever held it (digest.deliver.held_said.held_by)?"""
    return m.attempts > 0 and not (m.last_error or "").startswith(UNWRITTEN)


def for_email(m: OutboxEntry) -> bool:
    """Is this queued message the reader's email, which `send --to-dir` leaves queued (claims.UNTRIED):
    waiting for its retry by SMTP, or made for email (by a send by SMTP) and not tried yet?"""
    return server_deferred(m) or (m.attempts == 0 and not m.for_files)


class Outbox(OutboxMarks):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def enqueue(
        self,
        *,
        user: str,
        recipient: str,
        message_id: str,
        subject: str,
        mime: bytes,
        paper_ids: Sequence[int],
        now: dt.datetime,
        period: str | None = None,
        through: int | None = None,
        packed: bytes | None = None,
        holder: tuple[str, dt.datetime] | None = None,
        due: dt.datetime | None = None,
        window: tuple[int | None, tuple[int, ...]] | None = None,
        for_files: bool = False,
    ) -> int:
        """Store a built message. Call inside ``store.transaction()`` to tie it to other state.

        ``through``: the newest paper when its digest was chosen (the next digest starts after).
        The bytes go to ``outbox_mime``, compressed (``packed``: ``pack(mime)`` if made already);
        ``outbox.mime`` stays empty. ``holder``: (worker, until): held by that worker from the start.
        ``due``: when it is due (default ``now``): ``now`` on the database server's clock, where the
        workers' is another (digest.deliver.delivery.deliver_due's ``on_server``); kept as when it
        was queued on that clock too (``queued_on_server``: its give-up runs from it).
        ``window``: where its digest's window started and what it carried, as read (Digest.window):
        a digest of the reader's failed since by another worker, which that window did not see
        failed, is not taken by this one (Store.failed_unseen); the caller holds the reader's
        name (digest.deliver.wanted.hold_names, not shared), as a failure's transaction does.
        ``for_files``: made by a send that writes files (claims.UNTRIED).
        """
        worker, until = holder if holder is not None else (None, None)
        unseen = self.store.failed_unseen(user, window)
        row_id = self.db.execute(
            "INSERT INTO outbox (message_id, user, recipient, period, subject, mime, paper_ids, status, "
            "next_attempt_at, created_at, through_paper, claimed_by, claimed_until, queued_on_server, "
            "for_files) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                message_id,
                user,
                recipient,
                period,
                subject,
                b"",
                json.dumps(list(paper_ids)),
                QUEUED,
                iso(due or now),
                iso(now),
                through,
                worker,
                iso(until) if until is not None else None,
                iso(due or now),
                int(for_files),
            ),
        ).lastrowid
        self.db.execute(
            "INSERT INTO outbox_mime (outbox_id, mime, packed) VALUES (?, ?, 1)",
            (row_id, packed if packed is not None else pack(mime)),
        )
        self.store.failed_before(unseen, row_id)
        return row_id

    def add(
        self,
        new: NewMessage,
        now: dt.datetime,
        holder: tuple[str, dt.datetime] | None = None,
        due: dt.datetime | None = None,
        for_files: bool = False,
    ) -> OutboxMessage | None:
        """Store a new message (inside a transaction); the stored message, from memory.
        ``holder``: (worker, until): the worker that made it holds it (see :meth:`hold`).
        ``for_files``: made by a send that writes files (claims.UNTRIED).

        A message for a schedule ``period`` marks that period done for its reader in the same
        transaction: a crash can neither lose the period's digest nor make two of them. With
        ``backstop``, its (reader, period) goes into ``period_digests`` too; if a digest for
        the period is there already (a worker's, queued since the message was planned), the
        message is not stored: None."""
        if new.period is not None and new.backstop:
            taken = self.db.execute(
                "INSERT OR IGNORE INTO period_digests (user, period, message_id) VALUES (?,?,?)",
                (new.user, new.period, new.message_id),
            )
            if taken.rowcount == 0:  # PostgreSQL: waits for a worker's open transaction first
                log.warning(HAS_ONE, new.user, new.period)
                return None
        row_id = self.enqueue(
            user=new.user,
            recipient=new.recipient,
            message_id=new.message_id,
            subject=new.subject,
            mime=new.mime,
            paper_ids=new.paper_ids,
            now=now,
            period=new.period,
            through=new.through,
            packed=new.packed,
            holder=holder,
            due=due,
            window=new.window,
            for_files=for_files,
        )
        if new.period is not None:
            self.store.set_schedule_state(new.user, new.period, now)
        stamp, at = (dt.datetime.fromisoformat(iso(t)) for t in (now, due or now))
        return OutboxMessage(
            row_id, new.message_id, new.user, new.recipient, new.period, new.subject, new.mime,
            tuple(new.paper_ids), QUEUED, 0, at, None, stamp, None, at,
        )  # fmt: skip

    def due_ids(
        self, now: dt.datetime, users: Iterable[str] | None = None, untried: bool = False
    ) -> list[int]:
        """The ids of the queued messages whose (next) attempt is due, oldest first (no bytes loaded);
        ``untried``: only those made for files and never tried, or not written by the file transport (not
        the reader's email: `send --to-dir` leaves those, for_email)."""
        rows = self.db.execute(
            "SELECT id, user FROM outbox WHERE status = ? AND next_attempt_at <= ?"
            + (f" AND {UNTRIED}" if untried else "")
            + " ORDER BY id",
            (QUEUED, iso(now), *((f"{UNWRITTEN}%",) if untried else ())),
        ).fetchall()
        wanted = set(users) if users is not None else None
        return [r[0] for r in rows if wanted is None or r[1] in wanted]

    def retries_after(self, now: dt.datetime) -> list[dt.datetime]:
        """When the queued messages deferred (tried before) and not due at ``now`` are tried
        again, soonest first."""
        rows = self.db.execute(
            "SELECT next_attempt_at FROM outbox WHERE status = ? AND attempts > 0 AND next_attempt_at > ? "
            "ORDER BY next_attempt_at",
            (QUEUED, iso(now)),
        ).fetchall()
        return [dt.datetime.fromisoformat(r[0]) for r in rows]

    def retry_now(self, users: Iterable[str], now: dt.datetime, untried: bool = False) -> None:
        """Make the queued messages of ``users`` due now (someone asked to send them now); ``untried``:
        not those a mail server deferred (see due_ids)."""
        users = list(users)
        waited = 0
        try:
            with self.store.transaction():
                waited = bound_the_wait(self.store)  # a message another session holds: not for ever
                for chunk, marks in in_chunks(users):
                    self.db.execute(
                        "UPDATE outbox SET next_attempt_at = ? WHERE status = ? AND next_attempt_at > ? "
                        + (f"AND {UNTRIED} " if untried else "")
                        + f"AND user IN ({marks})",
                        (iso(now), QUEUED, iso(now), *((f"{UNWRITTEN}%",) if untried else ()), *chunk),
                    )
        except Exception as e:
            # several readers: one's row held is enough (which, holders does not say)
            whose = f"{users[0]}'s" if len(users) == 1 else f"some of {len(users)} readers'"
            held = f"status = ? AND user IN ({', '.join('?' * len(users))})"
            # `digest send` fetched, took in its inbox and carried renamed readers over before: those stay
            said = gave_up(
                self.store,
                e,
                f"{whose} queued digests",
                waited,
                "outbox",
                held,
                (QUEUED, *users),
                unchanged="no digest was queued or sent",
            )
            if said is None:
                raise
            raise said from None

    def get(self, outbox_id: int) -> OutboxMessage:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM {_WITH_BYTES} WHERE id = ?", (outbox_id,)).fetchone()
        if row is None:
            raise KeyError(outbox_id)
        return _message(row)

    def paper_counts(self, ids: Sequence[int]) -> dict[int, int]:
        """How many papers each message of ``ids`` holds (without its bytes)."""
        counts: dict[int, int] = {}
        for chunk, marks in in_chunks(ids):
            sql = f"SELECT id, paper_ids FROM outbox WHERE id IN ({marks})"
            counts.update((r[0], len(json.loads(r[1]))) for r in self.db.execute(sql, chunk))
        return counts

    def latest_entries(self, users: Sequence[str]) -> dict[str, OutboxEntry]:
        """Each reader's newest message (without its bytes), for those of ``users`` that have one."""
        found: dict[str, OutboxEntry] = {}
        users = list(dict.fromkeys(users))
        for chunk, marks in in_chunks(users):
            sql = (
                f"SELECT {_ENTRY} FROM outbox WHERE id IN "
                f"(SELECT MAX(id) FROM outbox WHERE user IN ({marks}) GROUP BY user)"
            )
            found.update((e.user, e) for e in map(_entry, self.db.execute(sql, chunk)))
        return found

    def entries(
        self, status: str | Sequence[str] | None = None, user: str | None = None
    ) -> list[OutboxEntry]:
        """Like messages() without the MIME bytes. ``status`` may be one status or several."""
        sql, args = f"SELECT {_ENTRY} FROM outbox WHERE 1=1", []
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            sql += f" AND status IN ({','.join('?' * len(wanted))})"
            args += wanted
        if user is not None:
            sql, args = sql + " AND user = ?", [*args, user]
        return [_entry(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def each_entry(self, status: str) -> Iterator[OutboxEntry]:
        """The messages of ``status``, oldest first, without their bytes, one at a time as the
        database gives them (`digest status --queued`: thousands, printed as they come)."""
        for row in self.db.execute(f"SELECT {_ENTRY} FROM outbox WHERE status = ? ORDER BY id", (status,)):
            yield _entry(row)

    def sent_after(self, failed: Sequence[OutboxMessage | OutboxEntry]) -> dict[int, tuple[dt.datetime, str]]:
        """For `digest status`: of each message ``failed``, when the first message to the same
        reader made after it was sent (a `send --force`, the next day's digest), if one was, and
        the address it went to (the reader's address may have changed since)."""
        later: dict[int, tuple[dt.datetime, str]] = {}
        for m in failed:
            sql = "SELECT sent_at, recipient FROM outbox WHERE user = ? AND status = ? AND id > ?"
            row = self.db.execute(sql + " ORDER BY sent_at LIMIT 1", (m.user, SENT, m.id)).fetchone()
            if row and row[0]:
                later[m.id] = (dt.datetime.fromisoformat(row[0]), row[1])
        return later

    def problems(self) -> list[OutboxEntry]:
        """For `digest status`: messages refused for good, and queued ones waiting for a retry,
        each with the server's last reply (``last_error``) and, if waiting, ``next_attempt_at``."""
        return [e for e in self.entries((FAILED, QUEUED)) if e.status == FAILED or e.attempts > 0]

    def counts(self) -> dict[str, int]:
        """How many messages are queued, sent and failed."""
        counts = {QUEUED: 0, SENT: 0, FAILED: 0}
        for status, n in self.db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
            counts[status] = n
        return counts

    def messages(self, status: str | None = None, user: str | None = None) -> list[OutboxMessage]:
        sql, args = f"SELECT {_COLUMNS} FROM {_WITH_BYTES} WHERE 1=1", []
        if status is not None:
            sql, args = sql + " AND status = ?", [*args, status]
        if user is not None:
            sql, args = sql + " AND user = ?", [*args, user]
        return [_message(r) for r in self.db.execute(sql + " ORDER BY id", args)]


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _entry(r: tuple) -> OutboxEntry:
    return OutboxEntry(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6],
        dt.datetime.fromisoformat(r[7]), r[8], dt.datetime.fromisoformat(r[9]), _time(r[10]),
        r[11], _time(r[12]), None if r[13] is None else bool(r[13]),
    )  # fmt: skip


def _message(r: tuple) -> OutboxMessage:
    return OutboxMessage(
        id=r[0],
        message_id=r[1],
        user=r[2],
        recipient=r[3],
        period=r[4],
        subject=r[5],
        mime=unpack(bytes(r[6]), bool(r[14])) if r[6] is not None else b"",  # none: dropped by retention
        paper_ids=tuple(json.loads(r[7])),
        status=r[8],
        attempts=r[9],
        next_attempt_at=dt.datetime.fromisoformat(r[10]),
        last_error=r[11],
        created_at=dt.datetime.fromisoformat(r[12]),
        sent_at=_time(r[13]),
        queued_on_server=_time(r[15]),
    )
