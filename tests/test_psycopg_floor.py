"""The lowest psycopg pyproject allows is one that says what digest/pghosts.py reads.

A URL naming several hosts is explained host by host from psycopg's error for the failed
connection: its list of every attempt ("Multiple connection attempts failed. All failures were:
- host: ...", psycopg 3.2.8, ticket #1069) and its ``pgconn`` (the connection of the last attempt,
kept on that error from psycopg 3.3.3, ticket #1246; before, None). pyproject allowed psycopg 3.1,
and there (and up to 3.2.7) a URL `postgresql://localhost:5432,127.0.0.1:5433/db` whose first server
said the database did not exist read "at none of its hosts: 127.0.0.1:5433: Connection refused ...;
localhost:5432: not tried, its name does not resolve": a host that was tried, and answered, said
not to resolve; up to 3.3.2 that refusal, which lasts, was said as one passing ("cannot connect to
PostgreSQL"), not as "database ... does not exist on PostgreSQL at localhost:5432; create it".
(Shown with each version installed beside the venv: tests/test_pg_several_hosts_refused.py fails 4
of 4 on 3.1.20 and 3.2.7, 1 of 4 on 3.3.2, passes on 3.3.3.) pyproject now asks for 3.3.3."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement

from conftest import ROOT


def _psycopg() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return next(r for r in map(Requirement, project["dependencies"]) if r.name == "psycopg")


def test_no_psycopg_is_allowed_that_keeps_no_connection_on_its_list_of_attempts():
    allowed = _psycopg().specifier
    for older in ("3.1", "3.1.20", "3.2.7", "3.2.8", "3.3.2"):
        assert not allowed.contains(older), f"pyproject allows psycopg {older}: {allowed}"
    assert allowed.contains("3.3.3")
    assert allowed.contains(version("psycopg"))  # the one installed, the one the tests run on
