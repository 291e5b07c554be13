"""What to do where libpq could not read the connection service a URL or PGSERVICE names (one
defined in no service file, a service file that is a folder, missing or unreadable, a line libpq
could not read), and the service named in the advice for a server not reached: its settings come
before the PGHOST, PGPORT, ... variables'. libpq says these before trying any server
(fe-connect.c, parseServiceInfo); :mod:`digest.pgrefusals` asks here first."""

from __future__ import annotations

import os
import re

from digest.pgoptions import named_service


def service_said(url: str) -> str:
    """The connection service libpq took settings from for ``url`` (the URL's ``service``, else
    PGSERVICE's), for the advice: its settings (host, port, user, password, dbname) come before
    the variables': a wrong one there is not mended by setting them."""
    service, in_url = service_of(url)
    if service is None:
        return ""
    named = f"the service {service!r} {'the URL' if in_url else 'PGSERVICE'} names"
    return f", {named} (its settings, in PGSERVICEFILE or ~/.pg_service.conf, come before the variables')"


# libpq's words for a connection service it could not read (fe-connect.c, parseServiceInfo)
_NO_SERVICE = re.compile(r'definition of service "(.*)" not found')
_NO_SERVICE_FILE = re.compile(r'service file "(.*)" not found')
_SERVICE_FILE_LINE = re.compile(
    r'(syntax error|nested service specifications not supported) in service file "(.*)", line (\d+)'
    r'|line (\d+) (too long) in service file "(.*)"'
)
# what is wrong with the line, by libpq's words for it
_LINE_FAULT = {
    # no =, a keyword libpq does not know (misspelled, a space before the =)
    "syntax error": (
        "each line of a service file is a [service] heading, a keyword=value setting of a connection "
        "parameter libpq knows (host, port, dbname, user, ...; no space before the =) or a # comment: fix "
        "that line"
    ),
    "nested service specifications not supported": (
        "a service's section may not name another service (service=): write that service's settings "
        "into this section in place of that line"
    ),
    "too long": "libpq reads no line of over about 1,000 characters, a # comment's as well: shorten it",
}


def service_of(url: str) -> tuple[str | None, bool]:
    """The connection service libpq reads for ``url`` and whether the URL names it: the URL's
    ``service`` (even empty), else PGSERVICE's (as set, even empty), else None (none set, or a URL
    libpq cannot parse, which it refuses before reading any service)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a URL libpq cannot read: it reads no service either
        return None, False
    return named_service(given)


def service_file_said(url: str, said: str) -> str | None:
    """What to do where libpq refused the connection for its service (the URL's ``service``, else
    PGSERVICE's) before trying any server: one defined in no service file read, PGSERVICEFILE naming
    no file, a line of the file it could not read. None: another failure (PGHOST, PGPORT, ... may
    then apply; libpq reads none of them for a service it cannot read)."""
    service, in_url = service_of(url)
    if in_url:
        named, unnamed = "the URL names (service=)", "take service= out of the URL"
    else:
        named, unnamed = "PGSERVICE names", "unset PGSERVICE"
    service = service or ""
    own = os.environ.get("PGSERVICEFILE")
    file = f"{own} (PGSERVICEFILE's)" if own else os.path.expanduser("~/.pg_service.conf")
    system = os.environ.get("PGSYSCONFDIR")
    system = (
        os.path.join(system, "pg_service.conf") + " (PGSYSCONFDIR's)"
        if system
        else "the system's pg_service.conf"
    )
    if (missing := _NO_SERVICE.search(said)) is not None:
        name = missing.group(1)
        to = own or file  # the file its section would be added to
        if os.path.isdir(to):  # libpq reads a folder as an empty file: no service in it
            section = f"its section ([{name}], then its host=, port=, dbname=, user= lines)"
            where, put = (
                (
                    f"PGSERVICEFILE names {own}, a folder",
                    f"set it to the path of a service file with {section}, or unset it (libpq then reads "
                    f"{os.path.expanduser('~/.pg_service.conf')})",
                )
                if own
                else (f"{to} is a folder", f"put in its place a service file with {section}")
            )
            return (
                f"{where}, not a service file (read for the service {name!r} {named}, defined neither there "
                f"nor in {system}): {put}; or {unnamed} to use no service"
            )
        return (
            f"the service {name!r} {named} is defined neither in {file} nor in {system}: add its section "
            f"to {own or file} ([{name}], then its host=, port=, dbname=, user= lines), or name a service "
            f"defined there ({unnamed} to use none)"
        )
    if (gone := _NO_SERVICE_FILE.search(said)) is not None and _unreadable(gone.group(1)):
        # libpq found the file (stat) but could not open it: libpq says "not found" all the same
        # libpq's words name the file: not said again
        return (
            f"it is there, but the user digest runs as ({_me()}) may not read it (read for "
            f"the service {service!r} {named}): let that user read it (the file's owner, group or mode), "
            f"or {unnamed} to use no service"
        )
    if gone is not None and own:
        return (
            f"PGSERVICEFILE names that path, and no file is there (read for the service {service!r} "
            f"{named}): set it to your service file's path, or unset it (libpq then reads "
            f"{os.path.expanduser('~/.pg_service.conf')}); or {unnamed} to use no service"
        )
    if (line := _SERVICE_FILE_LINE.search(said)) is not None:  # libpq's words name the file and line
        fault = line.group(1) or line.group(5)
        return f"the file is read for the service {service!r} {named}: {_LINE_FAULT[fault]}"
    return None


def _unreadable(path: str) -> bool:
    """Whether ``path`` is there but this process may not read it."""
    return os.path.exists(path) and not os.access(path, os.R_OK)


def _me() -> str:
    """The name of the user this process runs as (its uid where it has none)."""
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"
