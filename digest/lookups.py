"""A host name that does not resolve, found behind the error a library raised for it (httpx's
ConnectError, smtplib's OSError): said as such, not as the resolver's '[Errno -2] Name or
service not known' alone, which a new user offline (or with a misspelt host) reads as a riddle."""

from __future__ import annotations

import socket

from digest.bugs import error_chain


def lookup_failure(error: BaseException) -> tuple[socket.gaierror, str | None] | None:
    """The name lookup's error in ``error``'s chain of causes (and the name, where it was kept),
    if a lookup is what failed."""
    for cause in error_chain(error, suppressed=True):
        if isinstance(cause, socket.gaierror):
            return cause, None
        kept = getattr(cause, "lookup_error", None)  # digest.ingest.streams.LookupFailed's
        if isinstance(kept, socket.gaierror):
            return kept, getattr(cause, "host", None)
    return None


def unresolved(error: BaseException, host: str | None = None) -> str | None:
    """'the name HOST does not resolve (the resolver's words): ...', or None when no lookup failed."""
    found = lookup_failure(error)
    if found is None:
        return None
    failed, kept = found
    return name_unresolved(host or kept, failed.strerror or str(failed))


def name_unresolved(name: str | None, said: str) -> str:
    """'the name HOST does not resolve (``said``, the resolver's words): ...'."""
    return (
        f"{f'the name {name}' if name else 'a host name'} does not resolve ({said}): a misspelt name, "
        "or no network or name service here"
    )
