"""A PostgreSQL URL may name several hosts, each with its port (`postgresql://u@h1:5432,h2:5432/db`):
libpq tries them in turn (a primary and its standby, a pair behind no proxy). The config's check read
the URL with Python's urlsplit, which takes everything after the first colon for one port, and
refused it: "database: is not a valid postgresql:// URL (Port could not be cast to integer value as
'5432,h2:5432')", while the same hosts in the query (`?host=h1,h2&port=5432,5432`) went through.

The URL is read as libpq reads it (psycopg's conninfo_to_dict): what libpq takes, the config takes,
in `database:` and in `db migrate --to`; what libpq would refuse on connecting (a port that is not a
number from 1 to 65535, a query parameter it does not know) is said at once, naming the key and the
port, not at the first connection."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest

from digest.config import ConfigError, load_config
from digest.db import shown
from digest.demo.smtp_server import free_port
from digest.store import Store

from conftest import postgres_database

GOOD = "database: {}\ninbox: inbox\nprofiles: profiles\n"


def config_with(tmp_path, url):
    path = tmp_path / "config.yaml"
    path.write_text(GOOD.format(url))
    return load_config(path)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h1:5432,h2:5432/db",
        "postgresql://h1,h2/db",  # each on the default port
        "postgresql://h1:,h2:5433/db",  # the first on the default port
        "postgresql://[::1]:5432,h2/db",
        "postgresql://%2Fvar%2Frun%2Fpostgresql,h2:5432/db",  # a socket folder, then a host
        "postgresql:///db?host=h1,h2&port=5432,5433",
    ],
)
def test_several_hosts_are_taken_as_libpq_takes_them(tmp_path, url):
    assert config_with(tmp_path, url).database == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://h1:5432,h2:x/db", 'invalid port number: "x"'),
        ("postgresql://h1:5432,h2:70000/db", 'invalid port number: "70000"'),
        ("postgresql://db:0/digest", 'invalid port number: "0"'),
        ("postgresql://h1/db?port=5432,x", 'invalid port number: "x"'),
        ("postgresql://h1/db?sslmod=require", 'invalid URI query parameter: "sslmod"'),
        ("postgresql://u:secret@h1:5432,h2:5432/db", "must not hold a password"),
    ],
)
def test_what_libpq_would_refuse_is_said_naming_the_key(tmp_path, url, says):
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir(exist_ok=True)
    with pytest.raises(ConfigError, match=re.escape(says)) as info:
        config_with(tmp_path, url)
    assert "line 1: database: " in str(info.value)


def test_a_password_is_hidden_whatever_the_hosts():
    """Messages name the database without its password: with several hosts too (it raised
    'Port could not be cast to integer' where it was asked to hide one)."""
    assert shown("postgresql://u:pw@h1:5432,h2:5432/db") == "postgresql://u:***@h1:5432,h2:5432/db"
    assert shown("postgresql://u:pw@[::1]:5432/db") == "postgresql://u:***@[::1]:5432/db"


def several_hosts(url: str) -> str:
    """``url`` (a fresh database on the PG* variables' server) with a first host that refuses the
    connection (a loopback port nothing listens on) before the real one: libpq goes on to it."""
    host = quote(os.environ.get("PGHOST") or "localhost", safe="")
    port = os.environ.get("PGPORT") or "5432"
    return f"postgresql://127.0.0.1:{free_port('127.0.0.1')},{host}:{port}{url.removeprefix('postgresql://')}"


def test_a_worker_and_db_migrate_use_a_url_naming_several_hosts(workspace):
    """On a real server: `db migrate --to` a URL of two hosts (the first down) copies into it, and
    `digest status` with it as `database:` reads it."""
    ws = workspace
    Store(ws.config.database).close()  # the SQLite database made, empty
    with postgres_database() as url:
        target = several_hosts(url)
        result = ws.cli("db", "migrate", "--to", target)
        assert result.exit_code == 0, result.output
        assert f"Now set `database: {target}`" in result.output
        ws.config_path.write_text(
            ws.config_path.read_text().replace("database: digest.db", f"database: {target}")
        )
        result = ws.cli("status")
        assert result.exit_code == 0, result.output
        assert "Papers stored: 0" in result.output


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:hunter2@h1/db?sslmod=require",  # a parameter libpq does not know
        "postgresql://u:hun%zzter2@h1/db",  # a broken %-escape in the password itself
        "postgresql://u@h1/db?password=hunter2&sslmod=require",
        "postgresql://u:hunter2@h1:5432,h2:x/db",  # a port that is not a number
    ],
)
def test_a_url_holding_a_password_and_another_fault_never_shows_the_password(tmp_path, url):
    """A password in the URL is refused first, whatever else is wrong: the message for the other
    fault quotes the URL (and libpq's, the token: "invalid percent-encoded token: "hun%zzter2""),
    which would write the password into the terminal and the logs; it was refused that way before
    libpq read the URL."""
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir(exist_ok=True)
    with pytest.raises(ConfigError, match="must not hold a password") as info:
        config_with(tmp_path, url)
    said = str(info.value).partition("line 1: database: ")[2]  # (tmp_path's name holds the test's)
    assert said and "hunter2" not in said and "hun%zzter2" not in said
