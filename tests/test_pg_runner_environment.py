"""The PostgreSQL tests use the server .ci/pg gives them (PGHOST, PGPORT, PGUSER, PGPASSWORD), with
PostgreSQL's default search_path, whatever else of libpq's the environment of the one running them
holds: a service of theirs (PGSERVICE, whose settings libpq takes before PGHOST's, PGPORT's and
PGPASSWORD's) or PGOPTIONS with a search_path of their own. Before, under `.ci/pg` with
PGSERVICE=svc (a service with another password) every PostgreSQL test failed with "password
authentication failed for user "postgres"", and with PGOPTIONS='-c search_path=other' with "no
schema has been selected to create in"; with PGDATESTYLE='SQL, DMY' digest's run-once with "internal
error: NotImplementedError: can't parse timestamptz with DateStyle 'SQL, DMY'", with
PGCLIENTENCODING=LATIN1 with "'latin-1' codec can't encode character", and with the runner's demands
of its own servers (PGSSLMODE=require, PGREQUIRESSL=1, PGGSSENCMODE=require, PGCHANNELBINDING=require,
PGREQUIREAUTH=md5, PGSSLNEGOTIATION=direct, PGTARGETSESSIONATTRS=read-only) every connection was
refused ("server does not support SSL, but SSL was required", "session is not read-only"). Tried
under .ci/pg and found to break nothing (tests/test_store_version.py, test_preview_day.py,
daemon/test_claims.py, test_catch_up_at_utc_midnight.py, test_scheduled_send.py), so kept: PGTZ,
PGAPPNAME, PGCONNECT_TIMEOUT, PGLOADBALANCEHOSTS, PGPASSFILE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY,
PGKRBSRVNAME, PGSSLMINPROTOCOLVERSION, PGSSLCOMPRESSION, PGMAXPROTOCOLVERSION. Real parts: the test
run itself, in a pytest of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

ONE_TEST = "tests/test_store_version.py::test_the_version_changes_with_each_write_a_page_shows[postgresql]"


# a digest process (run-once) reading and writing timestamps
A_CLI_TEST = (
    "tests/daemon/test_scheduled_send.py::test_run_once_from_the_command_line_does_one_pass[postgresql]"
)


@pytest.mark.parametrize(
    ("runner", "one_test"),
    [
        ({"PGSERVICE": "svc", "PGSERVICEFILE": "{services}"}, ONE_TEST),
        ({"PGOPTIONS": "-c search_path=other"}, ONE_TEST),
        ({"PGDATESTYLE": "SQL, DMY"}, A_CLI_TEST),
        ({"PGCLIENTENCODING": "LATIN1"}, ONE_TEST),
        ({"PGSSLMODE": "require"}, ONE_TEST),
        ({"PGREQUIRESSL": "1"}, ONE_TEST),
        ({"PGGSSENCMODE": "require"}, ONE_TEST),
        ({"PGCHANNELBINDING": "require"}, ONE_TEST),
        ({"PGREQUIREAUTH": "md5"}, ONE_TEST),
        ({"PGSSLNEGOTIATION": "direct"}, ONE_TEST),
        ({"PGTARGETSESSIONATTRS": "read-only"}, ONE_TEST),
    ],
    ids=[
        "a-service-with-another-password",
        "pgoptions-with-a-search-path",
        "pgdatestyle-sql-dmy",
        "pgclientencoding-latin1",
        "pgsslmode-require",
        "pgrequiressl",
        "pggssencmode-require",
        "pgchannelbinding-require",
        "pgrequireauth-md5",
        "pgsslnegotiation-direct",
        "pgtargetsessionattrs-read-only",
    ],
)
def test_the_postgresql_tests_pass_whatever_libpq_variables_the_runner_has(tmp_path, runner, one_test):
    if not any(os.environ.get(v) for v in ("PGHOST", "PGPORT")):
        pytest.skip("no PostgreSQL server: set PGHOST/PGPORT/PGUSER/PGPASSWORD (or run under pg_virtualenv)")
    services = tmp_path / "services.conf"
    services.write_text("[svc]\nhost=127.0.0.1\npassword=not-the-servers\n")
    env = {**os.environ, **{name: value.format(services=services) for name, value in runner.items()}}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", one_test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # before: "1 error" (password authentication failed, or any connection refused), "1 failed" (no
    # schema has been selected, can't parse timestamptz, can't encode character)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-3000:]
