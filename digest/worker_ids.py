"""Who this process is to the database: its worker id (host:pid:token), as the claims and the
workers table name it, and its PostgreSQL sessions' application_name made from it and read back
(digest.daemon.holders, lease_holders)."""

from __future__ import annotations

import os
import secrets
import socket

_TOKEN: tuple[int, str] = (0, "")  # (the pid it was drawn in, a random token): see worker_id


def session_name(worker: str) -> str:
    """``worker`` (host:pid:token) as its PostgreSQL sessions' application_name, "digest " before
    it, within the 63 bytes PostgreSQL keeps: a long host name cut, its pid and token whole (what
    tells this worker from another on that host, as the workers table does). PostgreSQL puts "?"
    for each byte that is not ASCII: a label of the host that is not (bücher) goes as DNS writes
    it, punycode after "xn--" (xn--bcher-kva), which :func:`session_worker` reads back."""
    host, pid, token = worker.rsplit(":", 2)
    tail = f":{pid}:{token}"
    room = max(63 - len("digest ") - len(tail), 0)
    while len(_punied(host)) > room:  # cut before the punycode: a label cut in it reads back wrong
        host = host[:-1]
    return f"digest {_punied(host)}{tail}"


def _punied(host: str) -> str:
    return ".".join(p if p.isascii() else "xn--" + p.encode("punycode").decode() for p in host.split("."))


def session_worker(application: str) -> str:
    """The worker (host:pid:token) a session named by :func:`session_name` is, its host's labels
    in punycode read back (bücher for xn--bcher-kva; one not punycode as it is); "": not so named."""
    if not application.startswith("digest ") or application.count(":") < 2:
        return ""
    host, pid, token = application.removeprefix("digest ").rsplit(":", 2)
    return f"{'.'.join(map(_unpunied, host.split('.')))}:{pid}:{token}"


def _unpunied(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return label


def worker_id() -> str:
    """This process, as the database's claims and the workers table name it: host:pid:token.
    Host and pid alone do not tell two workers apart: containers on one host's network share
    its name, and each has a pid namespace of its own (both are pid 1), so each would take the
    other's claims for its own and send what the other sends. The token is drawn once per
    process (again in a forked child)."""
    global _TOKEN
    pid = os.getpid()
    if _TOKEN[0] != pid:
        _TOKEN = (pid, secrets.token_hex(4))
    return f"{socket.gethostname()}:{pid}:{_TOKEN[1]}"
