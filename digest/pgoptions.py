"""The search_path the connection's options set, read as libpq reads them (the URL's ``options``,
even empty; else its service's, from the connection service file; else PGOPTIONS): for the schema a
grant names where the server could not be asked (digest.pggrants.unasked_schema). (Moved from
digest.pggrants.)"""

from __future__ import annotations

import os
import re
from pathlib import Path


def first_schema(url: str, resolved: bool = False) -> str | None:
    """The first schema the search_path of the connection's options names (:func:`connection_options`), other
    than the role's own ("$user"), as written there (double quotes kept; unquoted, folded to lower
    case as PostgreSQL does); None where they name none or are not known (the role's or the
    database's search_path cannot be known without asking, nor a service's options not found here).
    ``resolved``: ``url`` is a connection's own (psycopg's ``info.dsn``: libpq's options, from
    wherever they came, and none written where they were empty)."""
    options = connection_options(url, resolved)
    if options is None:
        return None
    # -c search_path=, -csearch_path=, --search-path= (a setting's name in any case, "-" for "_")
    found = re.findall(r"(?:-c\s*|--)search[-_]path=((?:\\.|\S)*)", options, re.I)  # the last set wins
    # its entries split at the commas outside double quotes ("digest,app" is one schema's name)
    entries = re.findall(r'(?:"(?:[^"]|"")*"|[^,"])+', re.sub(r"\\(.)", r"\1", found[-1])) if found else []
    for entry in (e.strip() for e in entries):
        if entry and entry not in ("$user", '"$user"'):
            return entry if entry.startswith('"') else entry.lower()
    return None


def connection_options(url: str, resolved: bool = False) -> str | None:
    """The options the connection to ``url`` is made with, as libpq takes them: the URL's, even
    empty (``options=``: then PGOPTIONS is not read), else its service's (``service=``, even empty:
    the group ``[]``; else PGSERVICE), else PGOPTIONS'. None: not known (a service defined in no
    file read here: libpq finds it in a folder of its build's)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 (a URL psycopg cannot read: nothing known)
        return ""
    if "options" in given or resolved:
        return str(given.get("options") or "")
    service, _ = named_service(given)
    if service is not None:
        return _service_options(service)
    return os.environ.get("PGOPTIONS", "")


def named_service(given: dict) -> tuple[str | None, bool]:
    """The connection service libpq reads for a connection string parsed as ``given``, and whether
    the string names it: its ``service`` (even empty: the group ``[]``), else PGSERVICE's (PGSERVICE
    only where the string names no service), else None."""
    if "service" in given:
        return str(given["service"]), True
    return os.environ.get("PGSERVICE"), False


def _service_options(service: str) -> str | None:
    """The options of ``service`` in the connection service file libpq reads (PGSERVICEFILE, else
    ~/.pg_service.conf; the service not there: PGSYSCONFDIR's pg_service.conf), PGOPTIONS' where
    it sets none; None where no file read here defines it. Read as libpq reads it: its group is the
    first whose line starts ``[service]`` (whatever follows), up to the next group's line; a key
    given twice in it, the first."""
    user_file = os.environ.get("PGSERVICEFILE") or os.path.expanduser("~/.pg_service.conf")
    files = [user_file] + (
        [os.path.join(os.environ["PGSYSCONFDIR"], "pg_service.conf")] if "PGSYSCONFDIR" in os.environ else []
    )
    for path in files:
        found: dict[str, str] | None = None
        try:
            lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in (raw.strip() for raw in lines):
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                if found is not None:  # its group ended: libpq reads no further
                    break
                found = {} if line.startswith(f"[{service}]") else None
            elif found is not None and "=" in line:
                key, value = line.split("=", 1)
                found.setdefault(key.strip(), value.strip())
        if found is not None:
            return found.get("options", os.environ.get("PGOPTIONS", ""))
    return None
