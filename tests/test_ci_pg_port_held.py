""".ci/pg on a port another PostgreSQL server holds (PGPORT given, or handed out by the kernel while
another run's cluster was starting on it): its cluster does not start, and pg_virtualenv's cleanup
takes the other server for its own: 'Error: pid file is invalid, please manually kill the stale server
process.' Before, nothing more was said, and the one following that advice killed the other run's
server; .ci/pg now says whose server it is, to be left running. Real parts: two real .ci/pg runs,
the first's cluster up while the second is given its port."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from helpers.ci_pg import CI_PG, started

pytestmark = pytest.mark.skipif(not shutil.which("pg_virtualenv"), reason="needs pg_virtualenv")

# the first run's command: its port said, then up until the second run is over (its stdin closed)
HOLD = 'echo "port $PGPORT"; read -r _; pg_isready -p "$PGPORT"'


def test_a_port_another_server_holds_is_said_to_be_its_to_be_left_running():
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    first, port = started(HOLD, env)
    try:
        second = subprocess.run(
            [CI_PG, "echo", "ran"], env={**env, "PGPORT": port}, capture_output=True, text=True, timeout=120
        )
    finally:
        first.stdin.close()
        out = first.stdout.read()
        first.wait(timeout=120)
    said = second.stdout + second.stderr
    assert second.returncode != 0 and "ran" not in second.stdout, said  # its cluster did not start
    assert "pid file is invalid" in said, said  # pg_virtualenv's words, of the first run's server
    # before: nothing after them
    assert (
        f".ci/pg: port {port} is another PostgreSQL server's (/var/run/postgresql/.s.PGSQL.{port}): "
        'pg_virtualenv\'s "pid file is invalid" and "still running" above are said of it; it is not stale: '
        "leave it running"
    ) in said, said
    assert (
        f".ci/pg: the throwaway PostgreSQL did not start on port {port}: PGPORT's port, "
        "in use by another program "
        "(unset PGPORT to have a free one chosen)"
    ) in said, said
    # the first run undisturbed: its server still up at its command's end, which it ended
    assert first.returncode == 0 and "accepting connections" in out, out
