"""The PostgreSQL tests use the server .ci/pg gives them (PGHOST, PGPORT, PGUSER, PGPASSWORD), with
PostgreSQL's default search_path, whatever else of libpq's the environment of the one running them
holds: a service of theirs (PGSERVICE, whose settings libpq takes before PGHOST's, PGPORT's and
PGPASSWORD's) or PGOPTIONS with a search_path of their own. Before, under `.ci/pg` with
PGSERVICE=svc (a service with another password) every PostgreSQL test failed with "password
authentication failed for user "postgres"", and with PGOPTIONS='-c search_path=other' with "no
schema has been selected to create in". Real parts: the test run itself, in a pytest of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

ONE_TEST = "tests/test_store_version.py::test_the_version_changes_with_each_write_a_page_shows[postgresql]"


@pytest.mark.parametrize(
    "runner",
    [
        {"PGSERVICE": "svc", "PGSERVICEFILE": "{services}"},
        {"PGOPTIONS": "-c search_path=other"},
    ],
    ids=["a-service-with-another-password", "pgoptions-with-a-search-path"],
)
def test_the_postgresql_tests_pass_whatever_libpq_variables_the_runner_has(tmp_path, runner):
    if not any(os.environ.get(v) for v in ("PGHOST", "PGPORT")):
        pytest.skip("no PostgreSQL server: set PGHOST/PGPORT/PGUSER/PGPASSWORD (or run under pg_virtualenv)")
    services = tmp_path / "services.conf"
    services.write_text("[svc]\nhost=127.0.0.1\npassword=not-the-servers\n")
    env = {**os.environ, **{name: value.format(services=services) for name, value in runner.items()}}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # before: "1 error" (password authentication failed), "1 failed" (no schema has been selected)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-3000:]
