"""The two databases the store speaks: SQLite (a file, the embedded default) and PostgreSQL
(a ``postgresql://`` URL, for several workers on several machines).

The store's SQL is written once, for SQLite, in the portable subset both understand
(``ON CONFLICT ... DO UPDATE``, ``RETURNING``, ISO dates as text). On PostgreSQL it goes
through :class:`PgConnection`, a thin wrapper over psycopg 3 that gives the store the
``sqlite3.Connection`` calls it uses (``execute``, ``executemany``, ``lastrowid``,
``rowcount``, ``in_transaction``) and translates the few differences of dialect:

- ``?`` placeholders become ``%s`` (and a literal ``%`` becomes ``%%``);
- the column ``user``, a reserved word in PostgreSQL, is quoted;
- ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING``;
- an ``INSERT`` into a table with an ``id`` gets ``RETURNING id``, so ``lastrowid`` works;
- in migrations: ``INTEGER PRIMARY KEY`` is an identity column, ``INTEGER`` is ``BIGINT``,
  ``BLOB`` is ``BYTEA`` (see :func:`pg_ddl`).

Why not SQLAlchemy: the store is a few dozen hand-written statements tuned for SQLite; a
thin translation keeps every one of them readable and identical on both, and psycopg 3 is
the one dependency PostgreSQL needs anyway.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from digest.worker_ids import session_name, worker_id

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

SQLITE, POSTGRESQL = "sqlite", "postgresql"


def db_errors() -> tuple[type[BaseException], ...]:
    """What a database call can raise, on either backend (the library's callers catch these):
    ``except db_errors():``. psycopg is imported only for a PostgreSQL database (it costs a
    third of a second at start-up): until then, none of its errors can be raised."""
    pg = sys.modules.get("psycopg")
    return (sqlite3.Error, pg.Error) if pg is not None else (sqlite3.Error,)


def is_bug(error: BaseException) -> bool:
    """A database error that is a mistake of ours, not the database's trouble: SQL it cannot run
    (a typo, a missing column), our own constraints broken, a closed connection used, a value of
    the wrong type. Anything else (locked, full, I/O, the connection lost, a statement timeout, a
    deadlock, PostgreSQL denying a privilege: a ProgrammingError, but the operator's to grant) is
    a known database problem, to be said in one line and tried again."""
    bugs = ("ProgrammingError", "IntegrityError", "InterfaceError", "DataError", "NotSupportedError")
    pg = sys.modules.get("psycopg")
    kinds = [sqlite3] + ([pg] if pg is not None else [])
    if isinstance(error, sqlite3.OperationalError):  # SQLite's SQL errors are "operational" too:
        # "no such column", a syntax error, "no such function" have the generic code, its troubles
        # their own (BUSY, READONLY, IOERR, FULL, CORRUPT, CANTOPEN...)
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_ERROR
    if getattr(error, "sqlstate", None) == "42501":  # insufficient_privilege: revoked, another owner
        return False
    return isinstance(error, tuple(getattr(kind, name) for kind in kinds for name in bugs))


CONFLICT_TRIES = 5  # a transaction PostgreSQL ended to undo a deadlock (is_conflict): tried this often in all
CONFLICT_PAUSE = 0.05  # seconds, at least, before the second try; doubled before each next one


def is_conflict(error: BaseException) -> bool:
    """PostgreSQL ended the transaction to undo a conflict with another one (a deadlock, or a
    serialization failure): it rolled back whole, and the same transaction tried again goes
    through, once the other one is done."""
    return getattr(error, "sqlstate", None) in ("40P01", "40001")


_T = TypeVar("_T")


def conflict_pause(attempt: int) -> float:
    """How long to wait after try ``attempt`` (1, 2, ...) ended in a conflict: from
    :data:`CONFLICT_PAUSE` up, doubled at each try, with a random part (up to as much again), so
    that two transactions that lost together do not meet again at the same instant."""
    return CONFLICT_PAUSE * 2 ** (attempt - 1) * random.uniform(1.0, 2.0)


def retrying_conflicts(
    transaction: Callable[[], _T],
    what: str,
    again: str = "tried again",
    *,
    pause: Callable[[float], object] = time.sleep,
) -> _T:
    """``transaction()``, run again when PostgreSQL ended it to undo a conflict (:func:`is_conflict`:
    it rolled back whole), up to :data:`CONFLICT_TRIES` times in all; each retry logged as "WHAT:
    the error; AGAIN". Any other error, or the last try's, is raised.

    Each retry comes after a pause (:func:`conflict_pause`, ``pause`` waits it). The transaction
    PostgreSQL let go on was woken when this one ended, but takes the row it waited for only once
    its process runs; a row whose holder ended is free to whoever comes first, so a try made at
    once could take it again and make the same deadlock, try after try on a busy machine, until
    the tries ran out and the pass failed."""
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            return transaction()
        except db_errors() as e:
            if not is_conflict(e) or attempt == CONFLICT_TRIES:
                raise
            log.info("%s: %s; %s", what, str(e).splitlines()[0], again)
        pause(conflict_pause(attempt))
    raise AssertionError("unreachable")


# Tables whose rows have an ``id`` that the store reads back after an INSERT.
_ID_TABLES = frozenset({"papers", "listings", "deliveries", "outbox", "attempts"})


class DatabaseUrl(str):
    """A ``postgresql://`` URL from the config. ``local``: a folder on this machine for the few
    files a worker keeps beside its database (unrecorded sends, caches)."""

    local: Path

    def __new__(cls, url: str, local: Path | None = None) -> DatabaseUrl:
        self = super().__new__(cls, url)
        self.local = local if local is not None else Path.cwd()
        return self


def lock_key(name: str) -> int:
    """A PostgreSQL advisory lock's key for a named duty (a signed 64-bit number)."""
    return int.from_bytes(hashlib.sha256(f"digest:{name}".encode()).digest()[:8], "big", signed=True)


def wall_clock() -> dt.datetime:
    """The time leases between workers run on. Not a pass's ``now`` (the time it was given, or
    started): workers on several machines compare each other's lease ends, so each must write
    the real time, however long its pass has taken (NTP keeps the machines' clocks together)."""
    return dt.datetime.now(dt.UTC)


def is_postgres(database: object) -> bool:
    return isinstance(database, str) and str(database).startswith(("postgresql://", "postgres://"))


def shown(database: Path | str) -> str:
    """The database as messages name it: a path, or the URL without its password (its hosts and
    ports as written: one, or several, ``h1:5432,h2:5432``, which libpq tries in turn)."""
    if not is_postgres(database):
        return str(database)
    parts = urlsplit(str(database))
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        return urlunsplit(parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{hosts}"))
    return str(database)


def url_settings(url: str) -> dict[str, str]:
    """The settings a ``postgresql://`` URL gives, read by libpq itself (psycopg's
    ``conninfo_to_dict``): one host or several (``h1:5432,h2:5432``, or ``?host=h1,h2&port=``),
    tried in turn. Raises ValueError, in libpq's words, for what libpq would refuse on connecting:
    a query parameter it does not know, a broken %-escape, a port that is not a number from 1 to
    65535 (an empty one is the default, 5432 or PGPORT)."""
    import psycopg  # here: only a PostgreSQL database needs it
    from psycopg.conninfo import conninfo_to_dict

    try:
        settings = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except psycopg.ProgrammingError as e:
        raise ValueError(" ".join(str(e).split())) from None
    for port in settings.get("port", "").split(","):
        if port and not (re.fullmatch(r"[0-9]{1,5}", port) and 1 <= int(port) <= 65535):
            raise ValueError(
                f'invalid port number: "{port}" (a number from 1 to 65535; left out: PGPORT, else 5432)'
            )
    return settings


def url_host(host: str) -> str:
    """A host as a URL and our messages write it: an IPv6 address in brackets (``[::1]``, so that
    its port reads apart from it), a name, an IPv4 address or a socket folder as it is."""
    return f"[{host}]" if ":" in host and not host.startswith("/") else host


def sidecar(database: Path | str, suffix: str) -> Path:
    """A file kept beside the database: ``digest.db<suffix>`` for SQLite; for PostgreSQL, in
    the config's folder, named after the database."""
    if is_postgres(database):
        name = urlsplit(str(database)).path.strip("/") or "postgres"
        local = getattr(database, "local", Path.cwd())
        return local / f"{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.pg{suffix}"
    path = Path(database)
    return path.with_name(path.name + suffix)


def real_file(database: Path | str) -> Path | str:
    """The SQLite database file itself, however a config names it (through a symbolic link, a
    link to a link, a relative one): what is kept beside it for every process using that file
    (the locks, the notes of messages accepted but not recorded) is kept beside this. A
    PostgreSQL database as it is."""
    return database if is_postgres(database) else Path(os.path.realpath(database))


def kept_beside(database: Path | str, suffix: str) -> tuple[Path, Path]:
    """A file kept beside the database for every process using it (a note, a cache): where it is
    written, beside the file itself (:func:`real_file`: a config naming it through a symbolic link
    shares it), and where it is read: there, or beside the name as given while only that one is
    there (where a release before kept it, through the link). Once the one beside the file is
    there, that older one is read no more: it is removed (not when the two are one file by two
    names, the database reached through a linked folder)."""
    where, named = sidecar(real_file(database), suffix), sidecar(database, suffix)
    if named == where or not named.exists():
        return where, where
    if not where.exists():
        return where, named
    if os.path.realpath(named) != os.path.realpath(where):
        with contextlib.suppress(OSError):  # best effort: a file left, nothing reads it
            named.unlink()
    return where, where


# -- translation -------------------------------------------------------------------------

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?|%|\buser\b|[^'\"?%u-]+|.", re.S)
_INSERT = re.compile(r"^\s*INSERT\s+(OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)", re.I)


@functools.lru_cache(maxsize=1024)
def pg_sql(sql: str, want_id: bool = False) -> str:
    """The statement in PostgreSQL's dialect (see the module's docstring)."""
    out = []
    for token in _TOKENS.findall(sql):
        if token == "?":
            out.append("%s")
        elif token == "%":
            out.append("%%")
        elif token == "user":
            out.append('"user"')
        else:
            out.append(token)
    text = "".join(out)
    insert = _INSERT.match(text)
    if insert:
        if insert.group(2):
            if insert.group(2).upper() == "REPLACE":
                raise ValueError("INSERT OR REPLACE has no PostgreSQL form: use ON CONFLICT DO UPDATE")
            text = text[: insert.start(1)] + text[insert.end(1) :]
            text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        if want_id and insert.group(3) in _ID_TABLES and "RETURNING" not in text.upper():
            text = text.rstrip().rstrip(";") + " RETURNING id"
    return text


def pg_ddl(statement: str) -> str:
    """A migration statement in PostgreSQL's types."""
    text = re.sub(
        r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", statement
    )
    text = re.sub(r"\bINTEGER\b", "BIGINT", text)
    text = re.sub(r"\bBLOB\b", "BYTEA", text)
    return pg_sql(text)


# -- the PostgreSQL connection -----------------------------------------------------------


class PgCursor:
    """The part of ``sqlite3.Cursor`` the store uses."""

    def __init__(self, cursor: psycopg.Cursor, returns_id: bool) -> None:
        self.cursor = cursor
        self._id: int | None = None
        self._returns_id = returns_id
        if returns_id:
            row = cursor.fetchone()
            self._id = row[0] if row else None

    @property
    def lastrowid(self) -> int | None:
        return self._id

    @property
    def rowcount(self) -> int:
        return self.cursor.rowcount

    def fetchone(self) -> tuple | None:
        return None if self._returns_id or self.cursor.description is None else self.cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        return [] if self._returns_id or self.cursor.description is None else self.cursor.fetchall()

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


class PgConnection:
    """A psycopg 3 connection (autocommit; :meth:`transaction` for BEGIN ... COMMIT) speaking the
    store's SQLite dialect."""

    dialect = POSTGRESQL

    def __init__(self, url: str, *, connect_timeout: float = 30.0) -> None:
        import psycopg  # here: only a PostgreSQL database needs it
        from psycopg.conninfo import conninfo_to_dict

        named = "application_name" in conninfo_to_dict(str(url)) or os.environ.get("PGAPPNAME")  # kept
        app = {} if named else {"application_name": session_name(worker_id())}  # pg_stat_activity's
        timeout = max(1, int(connect_timeout))
        # UTF-8 and ISO dates whatever PGCLIENTENCODING, PGDATESTYLE or the server's defaults say:
        # papers' texts are any Unicode, and psycopg reads timestamps in ISO form only
        self.raw = psycopg.connect(
            str(url), autocommit=True, connect_timeout=timeout, client_encoding="UTF8", **app
        )
        if not (self.raw.info.parameter_status("DateStyle") or "ISO").startswith("ISO"):
            self.raw.execute("SET DateStyle = ISO")  # its order (DMY, MDY) kept: ISO output has none
        self.mark = ""  # a comment each statement ends with ("": none): digest.daemon.speaking's
        self.moved = time.monotonic()  # its last statement's (not speaking's words: said on .raw)

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> PgCursor:
        want_id = bool(_INSERT.match(sql))
        text = pg_sql(sql, want_id)
        cur = self.raw.cursor()
        cur.execute(self._marked(text), tuple(params) if not isinstance(params, dict) else params)
        return PgCursor(cur, want_id and text.endswith("RETURNING id"))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        cur = self.raw.cursor()
        cur.executemany(self._marked(pg_sql(sql)), [tuple(r) for r in rows])
        return PgCursor(cur, False)

    def _marked(self, text: str) -> str:
        self.moved = time.monotonic()
        return f"{text}\n{self.mark}" if self.mark else text

    @property
    def in_transaction(self) -> bool:
        from psycopg import pq

        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """A transaction; once it ended, a marked word (``mark`` set: a duty's lock held) as its
        last statement, in place of psycopg's COMMIT or ROLLBACK, which carry no mark: the others
        read a holder's last statement to tell whether it speaks (digest.daemon.holders), and one
        stopped right after a transaction would be judged as one that does not."""
        import psycopg  # imported already: this connection is one

        try:
            with self.raw.transaction():
                yield self
        finally:
            if self.mark and not self.in_transaction:  # an inner one's end: the outer goes on
                with contextlib.suppress(psycopg.Error):  # lost: the duty's next statement says so
                    self.raw.execute(f"SELECT 1\n{self.mark}")

    def close(self) -> None:
        self.raw.close()


def connect_postgres(url: str, timeout: float) -> PgConnection:
    return PgConnection(url, connect_timeout=timeout)
