""".ci/pg sent TERM (a supervisor stopping it by its process id, not its process group as Ctrl-C
does) while its command runs: it waits for pg_virtualenv, which holds the signal until the command
ends and then drops its cluster, and exits after it, with the command's status. Before, with PGPORT
given (where .ci/pg no longer `exec`s pg_virtualenv, so as to speak after it), and with a port of
its choosing, .ci/pg was gone at once (status 143) while its cluster and command went on without it,
an orphan server up until the command ended. Real parts: .ci/pg itself, a real pg_virtualenv
cluster, its socket in /var/run/postgresql."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from helpers.ci_pg import started

pytestmark = pytest.mark.skipif(not shutil.which("pg_virtualenv"), reason="needs pg_virtualenv")

# the command: its port said, then up until the test closes its standard input
COMMAND = 'echo "port $PGPORT"; read -r _; echo "the command ended"'


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


@pytest.mark.parametrize("pgport_given", [False, True], ids=["port-chosen", "pgport-given"])
def test_a_term_to_ci_pg_is_held_until_its_cluster_is_dropped(pgport_given):
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    if pgport_given:
        env["PGPORT"] = free_port()
    run, port = started(COMMAND, env)
    try:
        server = Path(f"/var/run/postgresql/.s.PGSQL.{port}")
        assert server.is_socket(), server
        run.send_signal(signal.SIGTERM)
        # before: .ci/pg gone at once (143), its cluster up and its command going on without it
        with pytest.raises(subprocess.TimeoutExpired):
            run.wait(timeout=3)
    finally:
        run.stdin.close()
        out = run.stdout.read()
        run.wait(timeout=120)
    assert run.returncode == 0 and "the command ended" in out, (run.returncode, out)  # the command's status
    assert "Dropping cluster" in out and not server.exists(), out  # its cluster dropped before .ci/pg ended
