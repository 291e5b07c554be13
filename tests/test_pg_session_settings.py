"""A user whose environment (or whose PostgreSQL server's defaults) gives another client encoding
or date style than digest reads: before, every command on a PostgreSQL database ended in "internal
error: UnicodeEncodeError: 'latin-1' codec can't encode character '\\u0130'" (PGCLIENTENCODING=LATIN1,
a paper's title with a dotted capital I) or "internal error: ... can't parse timestamptz with
DateStyle 'SQL, DMY'" (PGDATESTYLE). digest's connections speak UTF-8 and ISO dates whatever those
say. Real parts: real `digest ingest` and `digest status` processes, a PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, make_dump, postgres_database


@pytest.mark.parametrize(
    "settings",
    [
        {"PGCLIENTENCODING": "LATIN1"},
        {"PGDATESTYLE": "SQL, DMY"},
        {"PGDATESTYLE": "German", "PGCLIENTENCODING": "SQL_ASCII"},
    ],
    ids=["latin1", "sql-dmy", "german-sql-ascii"],
)
def test_a_users_own_encoding_or_date_style_changes_nothing_digest_says(tmp_path, settings):
    with postgres_database() as url:
        config = (
            (ROOT / "config.example.yaml").read_text().replace("database: digest.db", f"database: {url}", 1)
        )
        (tmp_path / "config.yaml").write_text(config)
        dump = tmp_path / "dump.txt"
        dump.write_text(
            make_dump("Dec 4", [("Traffic maps of İstanbul", "We map İstanbul's traffic by hour.")])
        )
        said = []
        for args in (["ingest", str(dump)], ["status"]):
            done = subprocess.run(
                [sys.executable, "-m", "digest", "--config", str(tmp_path / "config.yaml"), *args],
                cwd=tmp_path,
                env={**os.environ, **settings},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            said.append(done.stdout)
    assert "2026-12-04, 1 entry: 1 new paper, 0 already known" in said[0]
    assert "Last ingest: dump.txt (listing of 2026-12-04) at " in said[1]
    assert "Papers stored: 1\n" in said[1]


@pytest.mark.parametrize(
    ("variable", "value", "told"),
    [
        (
            "PGTZ",
            "Nowhere/Zone",
            "PGTZ is 'Nowhere/Zone', which is no time zone PostgreSQL knows: set it to one (a name such as "
            "Europe/Berlin, or UTC) or unset it (digest keeps and shows its times in UTC whatever the "
            "session's time zone)",
        ),
        (
            "PGDATESTYLE",
            "Bogus",
            "PGDATESTYLE is 'Bogus', which PostgreSQL does not take: unset it (digest sets DateStyle to ISO "
            "on its connections)",
        ),
        # a quote in the value: the server quotes it without escaping ('"Bad"Zone"'); before, read
        # up to that quote ('Bad'), it was no value set, and the advice was the URL's and PGHOST's
        (
            "PGTZ",
            'Bad"Zone',
            "PGTZ is 'Bad\"Zone', which is no time zone PostgreSQL knows: set it to one (a name such as "
            "Europe/Berlin, or UTC) or unset it (digest keeps and shows its times in UTC whatever the "
            "session's time zone)",
        ),
        (  # the server's DETAIL after it ('Unrecognized key word: "iso"x".')
            "PGDATESTYLE",
            'ISO"x',
            "PGDATESTYLE is 'ISO\"x', which PostgreSQL does not take: unset it (digest sets DateStyle to ISO "
            "on its connections)",
        ),
    ],
    ids=["pgtz", "pgdatestyle", "pgtz-quote", "pgdatestyle-quote"],
)
def test_a_time_zone_or_date_style_the_server_refuses_is_said_to_be_the_variables(
    tmp_path, variable, value, told
):
    """libpq sends PGTZ and PGDATESTYLE at the connection's start; the server refuses a value it does
    not know ('FATAL: invalid value for parameter "TimeZone": "Nowhere/Zone"'). Before, the advice
    was to "check the URL and the PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables"."""
    with postgres_database() as url:
        config = (
            (ROOT / "config.example.yaml").read_text().replace("database: digest.db", f"database: {url}", 1)
        )
        (tmp_path / "config.yaml").write_text(config)
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(tmp_path / "config.yaml"), "status"],
            cwd=tmp_path,
            env={**os.environ, variable: value},
            capture_output=True,
            text=True,
            timeout=120,
        )
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and said.endswith(f"; {told}"), said
    assert "PGHOST" not in said, said


@pytest.mark.parametrize(
    ("options", "env", "told"),
    [
        (
            "?options=-c%20TimeZone%3DBad/Url",
            {"PGTZ": "Asia/Tokyo"},
            "the URL's options (options=) set TimeZone to 'Bad/Url', which is no time zone PostgreSQL knows: "
            "set one there (a name such as Europe/Berlin, or UTC) or take it out (digest keeps and shows its "
            "times in UTC whatever the session's time zone)",
        ),
        (  # the same value in both: the options' is refused first (the server applies them first)
            "?options=-c%20TimeZone%3DNowhere/Zone",
            {"PGTZ": "Nowhere/Zone"},
            "the URL's options (options=) set TimeZone to 'Nowhere/Zone', which is no time zone",
        ),
        (
            "",
            {"PGOPTIONS": "-c search_path=public -c timezone=Bad/Opt"},
            "PGOPTIONS set TimeZone to 'Bad/Opt', which is no time zone PostgreSQL knows: set one there",
        ),
        (
            "",
            {"PGOPTIONS": "--datestyle=Bogus"},
            "PGOPTIONS set DateStyle to 'Bogus', which PostgreSQL does not take: take it out (digest sets "
            "DateStyle to ISO on its connections)",
        ),
        (  # a quote in the value (before: the advice was the URL's and PGHOST's)
            "",
            {"PGOPTIONS": '-c timezone=Bad"Opt'},
            "PGOPTIONS set TimeZone to 'Bad\"Opt', which is no time zone PostgreSQL knows: set one there",
        ),
        (
            "?options=-c%20TimeZone%3DBad%22Url",
            {},
            "the URL's options (options=) set TimeZone to 'Bad\"Url', which is no time zone PostgreSQL knows",
        ),
    ],
    ids=[
        "url-timezone",
        "url-timezone-as-pgtz",
        "pgoptions-timezone",
        "pgoptions-datestyle",
        "pgoptions-quote",
        "url-quote",
    ],
)
def test_a_time_zone_or_date_style_the_connections_options_set_is_said_to_be_theirs(
    tmp_path, options, env, told
):
    """The connection's options (the URL's, else PGOPTIONS') are applied before PGTZ and
    PGDATESTYLE, and refused alike. Before, the advice was to "check the URL and the PGHOST, PGPORT,
    PGUSER, PGPASSWORD and PGDATABASE variables", which set none of them."""
    with postgres_database() as url:
        config = (
            (ROOT / "config.example.yaml")
            .read_text()
            .replace("database: digest.db", f"database: {url}{options}", 1)
        )
        (tmp_path / "config.yaml").write_text(config)
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(tmp_path / "config.yaml"), "status"],
            cwd=tmp_path,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and f"; {told}" in said, said
    assert "PGHOST" not in said and "PGTZ is" not in said, said
