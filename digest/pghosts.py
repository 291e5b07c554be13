"""What each host of a PostgreSQL URL naming several (``postgresql://h1:5432,h2:5433/db``) said when
none let us in. psycopg tries them in turn and raises the last one's error, followed by a list of
every attempt ("Multiple connection attempts failed. All failures were: - host: 'h1', port:
'5432', hostaddr: '...': ..."); a host whose name did not resolve was never tried and is in no
line of it. Read here into one clause per host, in the URL's order."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from digest.db import url_host, url_settings

_LIST = "Multiple connection attempts failed. All failures were:"
_ATTEMPT = re.compile(r"^- host: (None|'[^']*'), port: (None|'[^']*'), hostaddr: (None|'[^']*'): ", re.M)
_LIBPQ_PREFIX = re.compile(r"^(?:connection failed: )?connection to server (?:at|on) .*? failed: ")


@dataclass(frozen=True)
class Attempt:
    host: str  # as the URL writes it ("" where it names none: PGHOST's, or the socket)
    port: str
    said: str  # the attempt's error, on one line, without libpq's "connection to server at" part
    answered: bool  # the server itself refused (libpq writes its error as "SEVERITY:  text")
    address: str = ""  # the address tried, where psycopg says it (a name may resolve to several)

    @property
    def where(self) -> str:
        return f"{url_host(self.host)}:{self.port}" if self.port else url_host(self.host)


def attempts(error: str, url: str = "") -> list[Attempt]:
    """Each attempt psycopg listed in ``error`` (its message for a failed connection); none where
    it made one attempt only (or is a version that lists none). With target_session_attrs
    prefer-standby (``url``'s, else PGTARGETSESSIONATTRS'), psycopg tries the whole list a second
    time, for any server, after a first round for a standby: a second round of the first's hosts
    and addresses is left out (each host named once, as the URL names it), the first's words kept
    (libpq's for the second may hold the first's again, a name's addresses tried twice), where the
    second said them again: a host that failed otherwise the second time (a primary let in for the
    standby's round, "server is not in hot standby mode", gone or full for the other) is said as
    each round found it, the second's words why no connection was made."""
    tried = _listed(error)
    half = len(tried) // 2

    def again(first: Attempt, second: Attempt) -> bool:
        where = (first.host, first.port, first.address) == (second.host, second.port, second.address)
        return where and second.said.startswith(first.said)

    if (
        half
        and len(tried) == 2 * half
        and _prefers_standby(url)
        and all(map(again, tried[:half], tried[half:]))
    ):
        return tried[:half]
    return tried


def _prefers_standby(url: str) -> bool:
    try:
        attrs = url_settings(url).get("target_session_attrs") if url else None
    except ValueError:  # (said by the caller, as libpq would refuse it)
        attrs = None
    return (attrs or os.environ.get("PGTARGETSESSIONATTRS", "")).strip() == "prefer-standby"


def _listed(error: str) -> list[Attempt]:
    _, found, rest = error.partition(_LIST)
    if not found:
        return []
    heads = list(_ATTEMPT.finditer(rest))
    tried = []
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        text = rest[head.end() : after.start() if after else len(rest)]
        host, port, address = (value.strip("'") if value != "None" else "" for value in head.groups())
        said = " ".join(_LIBPQ_PREFIX.sub("", text.strip()).split())
        tried.append(Attempt(host, port, said, ":  " in text, address))
    return tried


def first_answered(error: str) -> Attempt | None:
    """The first attempt whose server itself refused (its refusal is the one to explain)."""
    return next((a for a in attempts(error) if a.answered), None)


def one_attempt(pgconn: Any, error: str) -> Attempt | None:
    """The one attempt psycopg made (its error lists none: the URL's other hosts did not resolve),
    as libpq made it; None without a connection (no host resolved)."""
    if pgconn is None:
        return None
    host, port = ((value or b"").decode("utf-8", "replace") for value in (pgconn.host, pgconn.port))
    return Attempt(host, port, " ".join(_LIBPQ_PREFIX.sub("", error.strip()).split()), ":  " in error)


def each_host(url: str, error: str, single: Attempt | None = None) -> str | None:
    """'h1:5432: ...; h2:5433: ...' for a URL whose connection failed with psycopg's ``error``, in
    the order tried (the URL's, or PGHOST's where it names none), a host the URL names that was
    never tried said after them as one whose name did not resolve; None where one host was all
    there was to say (the error says it). ``single``: the attempt, where psycopg made one only."""
    tried = attempts(error, url) or ([single] if single is not None else [])
    if not tried and "resolve" not in error:  # none tried to the end (a connection given up on: the
        return None  # look-up's 5 s): which hosts were asked is not known, the error says what was
    clauses = [_host_said(same) for same in _by_host(tried)]
    settings = url_settings(url)
    hosts, ports = settings.get("host", "").split(","), settings.get("port", "").split(",")
    for i, host in enumerate(hosts):
        if host and not any(a.host == host for a in tried):
            port = ports[i] if len(ports) == len(hosts) else ports[0]
            clauses.append(f"{Attempt(host, port, '', False).where}: not tried, its name does not resolve")
    return "; ".join(clauses) if len(clauses) > 1 else None


def one_host(error: str, url: str = "") -> str | None:
    """'h:5432, at each of its addresses (...): ...' where psycopg tried one host only, at each of
    the addresses its name resolved to ("localhost" to 127.0.0.1 and ::1: its list of attempts
    names it once per address), or twice for ``url``'s prefer-standby (:func:`attempts`: 'h:5432:
    ...'); None otherwise (the error says it, or each_host does)."""
    hosts = _by_host(attempts(error, url))
    return _host_said(hosts[0]) if len(hosts) == 1 else None


def _by_host(tried: list[Attempt]) -> list[list[Attempt]]:
    """The attempts in turn, those at one host and port together (a name that resolved to several
    addresses, "localhost" to 127.0.0.1 and ::1, is tried at each: one host of the URL); an address
    tried again is the URL naming that host again: another host of it."""
    hosts: list[list[Attempt]] = []
    for attempt in tried:
        last = hosts[-1] if hosts else []
        if (
            last
            and (last[0].host, last[0].port) == (attempt.host, attempt.port)
            and all(a.address != attempt.address for a in last)
        ):
            last.append(attempt)
        else:
            hosts.append([attempt])
    return hosts


def _host_said(same: list[Attempt]) -> str:
    """One host's clause: what it said, at each of its addresses where it resolved to several."""
    first = same[0]
    if len(same) == 1:
        return f"{first.where}: {first.said}"
    *others, last = (a.address for a in same)
    addresses = f"{', '.join(others)} and {last}"
    if all(a.said == first.said for a in same):
        return f"{first.where}, at each of its addresses ({addresses}): {first.said}"
    return f"{first.where}: " + "; ".join(f"at {a.address}: {a.said}" for a in same)
