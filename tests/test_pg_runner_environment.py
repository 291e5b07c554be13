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
PGKRBSRVNAME, PGSSLMINPROTOCOLVERSION, PGSSLCOMPRESSION, PGMAXPROTOCOLVERSION. Real parts: a test
of this file's own (a pass of digest on a database tests/conftest.py makes), run in a pytest of its
own with the runner's variable, tests/conftest.py its plugin."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

# a pass of digest on a database of the tests' own making (tests/conftest.py's, which clears the
# runner's variables): `run --once` (writing and reading timestamps, a paper's title beyond Latin-1),
# then `status`; written here, not another file's test named by its node id (which a rename would lose)
A_PASS = """
import pytest

from conftest import make_dump

pytestmark = pytest.mark.backends


def test_a_pass(mail_workspace):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\\ninterests: [neuromorphic]\\nsend_at: '00:00'\\n")
    ws.dump("d1.txt", make_dump("Mar 15", [("Neuromorphic \u0130stanbul Chips", "Spikes."), ("Soup", "b")]))
    ran = ws.cli("run", "--once")
    assert ran.exit_code == 0 and "d1.txt: 2026-03-15, 2 entries" in ran.output, ran.output
    status = ws.cli("status")
    assert status.exit_code == 0 and "ada" in status.output, status.output
"""


@pytest.mark.parametrize(
    "runner",
    [
        {"PGSERVICE": "svc", "PGSERVICEFILE": "{services}"},
        {"PGOPTIONS": "-c search_path=other"},
        {"PGDATESTYLE": "SQL, DMY"},
        {"PGCLIENTENCODING": "LATIN1"},
        {"PGSSLMODE": "require"},
        {"PGREQUIRESSL": "1"},
        {"PGGSSENCMODE": "require"},
        {"PGCHANNELBINDING": "require"},
        {"PGREQUIREAUTH": "md5"},
        {"PGSSLNEGOTIATION": "direct"},
        {"PGTARGETSESSIONATTRS": "read-only"},
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
def test_the_postgresql_tests_pass_whatever_libpq_variables_the_runner_has(tmp_path, runner):
    if not any(os.environ.get(v) for v in ("PGHOST", "PGPORT")):
        pytest.skip("no PostgreSQL server: set PGHOST/PGPORT/PGUSER/PGPASSWORD (or run under pg_virtualenv)")
    services = tmp_path / "services.conf"
    services.write_text("[svc]\nhost=127.0.0.1\npassword=not-the-servers\n")
    env = {**os.environ, **{name: value.format(services=services) for name, value in runner.items()}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT / "tests"), env.get("PYTHONPATH"))))
    a_pass = tmp_path / "run" / "test_a_pass.py"
    a_pass.parent.mkdir()
    a_pass.write_text(A_PASS)
    run = subprocess.run(  # tests/conftest.py as a plugin: its fixtures, its clearing of the variables
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest"]
        + ["-c", "pyproject.toml", "--rootdir", str(a_pass.parent), f"{a_pass}::test_a_pass[postgresql]"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # before: "1 error" (password authentication failed, or any connection refused), "1 failed" (no
    # schema has been selected, can't parse timestamptz, can't encode character)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-3000:]
