"""What a failed connection to PostgreSQL means for the user: a refusal that lasts until someone
fixes something (a wrong password, no such role, a database that does not exist, a pg_hba.conf
that lets no one in from here: :class:`StoreUnusable`), or a trouble that may pass (the server
down or starting, too many connections: :class:`StoreError`, try again later).

The server says which in the SQLSTATE of its error, but psycopg cannot pass it on: libpq keeps
the fields of an error received while connecting to itself (``sqlstate`` is None), and the
message is in the server's language (its ``lc_messages``, which a client cannot change: the
setting is for superusers, and a connection's own settings apply only once it is logged in).
libpq does write the SQLSTATE into the message when the connection's error verbosity asks for
it *before* the first poll (``PQsetErrorVerbosity``, "FATAL:  28P01: ..."): the fields
themselves, never translated. psycopg wraps no setter for it, so after a failed connection
in which the server said an error of its own (not a timeout, a host name that does not
resolve, a connection refused or hung up: the server down) one more attempt is made, only to
read the code (once per refusal: the same message again is known by it): the connection
started with psycopg's ``PGconn.connect_start``, its verbosity set through ``pgconn_ptr``
(which psycopg exposes for calling libpq functions it does not wrap) with the very libpq
psycopg loaded, then polled and finished. Where that libpq cannot be found (not Linux, two of
them loaded, one of another version than psycopg's), the code is not known and the failure
counts as passing, as before.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import re
import select
import threading
import time
from pathlib import Path
from typing import Any

from digest.db import shown, url_host
from digest.errors import StoreError, StoreUnusable
from digest.lookups import name_unresolved
from digest.pggrants import sql_role
from digest.pghosts import each_host, first_answered, one_attempt, one_host
from digest.pgoptions import connection_options, named_service
from digest.pgservices import service_file_said, service_said
from digest.shell_text import shell_word

log = logging.getLogger(__name__)

PQERRORS_VERBOSE = 2  # libpq-fe.h, PGVerbosity: the SQLSTATE written into the message
_CODE = re.compile(r":  ([0-9A-Z]{5}): ")  # "FATAL:  28P01: password ..." (the severity translated)
_UNRESOLVED = re.compile(r"failed to resolve host (None|'(.*)'): (.*)")  # psycopg's, before libpq


def refusal(url: str, error: Exception, timeout: float) -> StoreError:
    """The error to raise for a failed connection ``error`` (psycopg's) to ``url``."""
    import psycopg

    where = shown(url)
    said = " ".join(str(error).split())
    pgconn = getattr(error, "pgconn", None)
    user, db, server = _names(pgconn)
    if (in_service_file := service_file_said(url, said)) is not None:  # libpq's own, before connecting
        return StoreError(f"{where}: cannot connect to PostgreSQL: {said}; {in_service_file}")
    if (variable := _variable_refused(url, said)) is not None:  # the process's environment or the URL:
        # refused again at every poll and request until digest is started again with another value
        return StoreUnusable(f"{where}: cannot connect to PostgreSQL: {said}; {variable}")
    if pgconn is not None and pgconn.needs_password:
        return StoreUnusable(
            f"{where}: PostgreSQL{server} asks a password of role {user!r} and none was given; set "
            "PGPASSWORD in the environment, or add the role's line to ~/.pgpass (never in the config)"
        )
    code = None
    # asked only where a server answered with an error of its own: not after a timeout, nor
    # without a pgconn (psycopg failed first: a host name that does not resolve), nor where
    # libpq's message holds no server's error (refused, reset, hung up: a server down, its
    # proxy up), which a second attempt would only wait for again, at every poll and request
    if (
        pgconn is not None
        and not isinstance(error, psycopg.errors.ConnectionTimeout)
        and _answered(str(error))
    ):
        code = _known.get(said) or _probe(url, timeout)
        if code is not None:
            _remember(said, code)
    hosts_said = each_host(url, str(error), one_attempt(pgconn, str(error)))
    said = one_host(str(error), url) or said  # one host tried at each of its addresses: named once
    if (answered := first_answered(str(error))) is not None:  # the server that refused, not the last
        server = f" at {answered.where}"
    lasting = _lasting(code, user, db, server)
    if lasting is not None:
        told = f"each host said: {hosts_said}" if hosts_said else f"PostgreSQL said: {said}"
        return StoreUnusable(f"{where}: {lasting} ({told})")
    lookup = _UNRESOLVED.fullmatch(said) if pgconn is None and hosts_said is None else None  # one host
    if lookup is not None:  # psycopg names a host PGHOST gave as None: it is PGHOST's
        name = lookup.group(2) if lookup.group(2) is not None else os.environ.get("PGHOST")
        return StoreError(
            f"{where}: cannot connect to PostgreSQL: {name_unresolved(name, lookup.group(3))} (the host "
            f"is {'the URL' if lookup.group(2) is not None else 'PGHOST'}'s)"
        )
    if hosts_said:
        said = f"at none of its hosts: {hosts_said}"
    return StoreError(
        f"{where}: cannot connect to PostgreSQL: {said}; check the URL{service_said(url)} and the "
        "PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables it leaves to the environment"
    )


def _answered(message: str) -> bool:
    """Whether libpq's message for a failed connection holds an error the server sent: libpq
    writes one as "SEVERITY:  text" (two spaces; the severity in the server's language), its
    own (a refused or reset connection, a server that hung up) never so."""
    return ":  " in message


# The SQLSTATE read for a refusal, by the message of the attempt that failed (the host and port,
# and the server's error in its words, which its code decides): the same refusal again (the
# daemon's next poll, the web's next request) costs no second login.
_known: dict[str, str] = {}
KNOWN = 64  # refusals remembered; more: the oldest forgotten


_known_lock = threading.Lock()  # the web's threads may remember at once


def _remember(message: str, code: str) -> None:
    with _known_lock:
        if message not in _known and len(_known) >= KNOWN:
            _known.pop(next(iter(_known)), None)
        _known[message] = code


def _names(pgconn: Any) -> tuple[str, str, str]:
    """(role, database, " at host:port") of a connection attempt, as libpq resolved them."""

    def text(value: bytes | None) -> str:
        return (value or b"").decode("utf-8", "replace")

    if pgconn is None:
        return "?", "?", ""
    host, port = text(pgconn.host), text(pgconn.port)
    server = f" at {url_host(host)}:{port}" if host else ""
    return text(pgconn.user), text(pgconn.db), server


def _lasting(code: str | None, user: str, db: str, server: str) -> str | None:
    """What a refusal with SQLSTATE ``code`` means and how to fix it; None: it may pass."""
    if code == "28P01":  # invalid_password (also a role that does not exist, not to tell which)
        return (
            f"PostgreSQL{server} refused the password of role {user!r} (a wrong password, or no such "
            "role); set the right password in PGPASSWORD or ~/.pgpass, or the right role in the URL "
            "(or PGUSER)"
        )
    if code == "28000":  # invalid_authorization_specification
        return (
            f"PostgreSQL{server} does not let role {user!r} connect to database {db!r}: no line of its "
            "pg_hba.conf allows it from this host, or the role does not exist or may not log in; fix "
            "the role in the URL (or PGUSER), or on the server pg_hba.conf or the role (ALTER ROLE ... LOGIN)"
        )
    if code == "3D000":  # invalid_catalog_name
        named = ("-- " if db.startswith("-") else "") + shell_word(db)  # else taken for an option
        return (
            f"database {db!r} does not exist on PostgreSQL{server}; create it (createdb -O "
            f"{shell_word(user)} {named}) or fix the database's name in the URL (or PGDATABASE)"
        )
    if code == "42501":  # insufficient_privilege: CONNECT revoked
        return (
            f"role {user!r} may not connect to database {db!r} on PostgreSQL{server}; "
            f"GRANT CONNECT ON DATABASE {sql_role(db)} TO {sql_role(user)} there"
        )
    if code == "55000":  # object_not_in_prerequisite_state: the database allows no connections
        return f"database {db!r} on PostgreSQL{server} accepts no connections (ALLOW_CONNECTIONS false)"
    return None


def _probe(url: str, timeout: float) -> str | None:
    """:func:`server_sqlstate`, which never turns the failed connection into another error: if
    the second attempt fails in a way of its own, the code is not known (passing, as before);
    the first such failure is logged with its traceback, to be reported."""
    global _probe_failed
    try:
        return server_sqlstate(url, timeout)
    except Exception:  # noqa: BLE001 - only a diagnosis: the connection's own error is raised
        log.log(
            logging.DEBUG if _probe_failed else logging.WARNING,
            "could not ask PostgreSQL why it refused the connection (a bug in digest: please "
            "report it); said as a trouble that may pass",
            exc_info=True,
        )
        _probe_failed = True
        return None


_probe_failed = False


def server_sqlstate(url: str, timeout: float) -> str | None:
    """The SQLSTATE the server refuses a connection to ``url`` with: one more attempt, with libpq
    asked to write it into the message. None: it connects now, the server did not answer within
    ``timeout`` seconds, or the code cannot be had here (see the module's docstring)."""
    from psycopg import pq

    setter = _verbosity_setter()
    if setter is None:
        return None
    conn = pq.PGconn.connect_start(str(url).encode())
    try:
        if conn.status == pq.ConnStatus.BAD:
            return None
        setter(ctypes.c_void_p(conn.pgconn_ptr), PQERRORS_VERBOSE)
        deadline = time.monotonic() + timeout
        while (status := conn.connect_poll()) not in (pq.PollingStatus.OK, pq.PollingStatus.FAILED):
            event = select.POLLIN if status == pq.PollingStatus.READING else select.POLLOUT
            poller = select.poll()  # the socket may be another one (the next host, address)
            poller.register(conn.socket, event)
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return None
        if status == pq.PollingStatus.OK:
            return None
        codes = _CODE.findall(conn.error_message.decode("utf-8", "replace"))  # the code: ASCII
        log.debug("PostgreSQL refused the connection with SQLSTATE %s", codes)
        return codes[-1] if codes else None
    finally:
        conn.finish()


@functools.cache
def _verbosity_setter() -> Any:
    """``PQsetErrorVerbosity`` of the libpq this process has loaded (psycopg's: a connection is
    only ever handed to the library that made it), or None where it cannot be told which."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            files = {line.split(maxsplit=5)[5].strip() for line in maps if len(line.split(maxsplit=5)) == 6}
    except OSError:
        return None
    libpq = {f for f in files if Path(f).name.startswith("libpq") and ".so" in Path(f).name}
    if len(libpq) != 1:
        log.debug("libpq loaded from %s: the SQLSTATE of a refused connection is not read", libpq)
        return None
    return _setter_of(libpq.pop())


def _setter_of(path: str) -> Any:
    """``PQsetErrorVerbosity`` of the libpq at ``path`` if it is the very version psycopg uses
    (a PGconn is a private structure: another libpq's setter would write into the wrong place),
    else None."""
    from psycopg import pq

    try:
        libpq = ctypes.CDLL(path)
        version, setter = libpq.PQlibVersion, libpq.PQsetErrorVerbosity
    except (OSError, AttributeError):
        return None
    version.argtypes, version.restype = [], ctypes.c_int
    if version() != pq.version():
        log.debug("%s is libpq %s, psycopg's is %s: not called", path, version(), pq.version())
        return None
    setter.argtypes, setter.restype = [ctypes.c_void_p, ctypes.c_int], ctypes.c_int
    return setter


# a session setting libpq sends from the environment at the connection's start, refused by the server
# (its value follows, quoted but not escaped: a '"' in it ends nothing, so the values set are matched
# against it, not read up to a quote)
_SETTING_REFUSED = re.compile(r'invalid value for parameter "(TimeZone|DateStyle)": "')
_SETTING_ADVICE = {
    "TimeZone": (
        "PGTZ",
        "which is no time zone PostgreSQL knows: set it to one (a name such as Europe/Berlin, or UTC) or "
        "unset it (digest keeps and shows its times in UTC whatever the session's time zone)",
    ),
    "DateStyle": (
        "PGDATESTYLE",
        "which PostgreSQL does not take: unset it (digest sets DateStyle to ISO on its connections)",
    ),
}


def _variable_refused(url: str, said: str) -> str | None:
    """What to do where the server refused the connection for PGTZ's or PGDATESTYLE's value (libpq
    sends them at its start): that variable named, not the URL and PGHOST, PGPORT, ...; or the
    connection's options (the URL's, its service's, PGOPTIONS') where they set it. None: another
    failure, or a value given elsewhere."""
    refused = _SETTING_REFUSED.search(said)
    if refused is None:
        return None
    parameter, after = refused.group(1), said[refused.end() :]
    # the options first: the server applies them before the settings PGTZ and PGDATESTYLE send
    if (in_options := _option_refused(url, parameter, after)) is not None:
        return in_options
    variable, advice = _SETTING_ADVICE[parameter]
    value = os.environ.get(variable)
    if value is None or not _quoted_first(value, after):
        return None
    return f"{variable} is {value!r}, {advice}"


def _quoted_first(value: str, after: str) -> bool:
    """Whether the server's words ``after`` its opening quote (spaces run together, as ``said``'s)
    are ``value`` and its closing quote: a value holding a quote is matched whole."""
    return after.startswith(re.sub(r"\s+", " ", value) + '"')


_OPTION_ADVICE = {
    "TimeZone": (
        "which is no time zone PostgreSQL knows: set one there (a name such as Europe/Berlin, or UTC) or "
        "take it out (digest keeps and shows its times in UTC whatever the session's time zone)"
    ),
    "DateStyle": (
        "which PostgreSQL does not take: take it out (digest sets DateStyle to ISO on its connections)"
    ),
}


def _option_refused(url: str, parameter: str, after: str) -> str | None:
    """The advice where the refused ``parameter``'s value (the server's words ``after`` its opening
    quote) is the connection's options' (the URL's ``options``, else its service's, else
    PGOPTIONS'; libpq sends them at the start, and the server applies them before PGTZ and
    PGDATESTYLE); None where they do not set it so."""
    from psycopg.conninfo import conninfo_to_dict

    options = connection_options(url) or ""
    # -c TimeZone=, -ctimezone=, --timezone= (a setting's name in any case): the last set wins
    set_ = re.findall(rf"(?:-c\s*|--)({parameter})=((?:\\.|\S)*)", options, re.I)
    if not set_:
        return None
    value = re.sub(r"\\(.)", r"\1", set_[-1][1])
    if not _quoted_first(value, after):
        return None
    try:
        given = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a URL psycopg cannot read: libpq refused it before any server
        return None
    if "options" in given:
        source = "the URL's options (options=)"
    elif named_service(given)[0] is None or options == os.environ.get("PGOPTIONS"):
        source = "PGOPTIONS"
    else:
        source = f"the options of the service {named_service(given)[0]!r}"
    return f"{source} set {parameter} to {value!r}, {_OPTION_ADVICE[parameter]}"
