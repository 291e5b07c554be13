"""`.ci/pg` with PGPORT given, its throwaway cluster not started: the port is blamed only where it is
in use. Before, any failure (initdb refusing an option of INITDB_OPTS, a TMPDIR the postgres user
cannot enter) was said to be the port's: "did not start on port N (PGPORT's; unset it to have a free
one chosen)", and unsetting PGPORT mended nothing. Real parts: .ci/pg itself, a real pg_virtualenv,
a real listening socket on 127.0.0.1 for the port in use."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not shutil.which("pg_virtualenv"), reason="needs pg_virtualenv")

CI_PG = str(ROOT / ".ci" / "pg")
ENV = {name: value for name, value in os.environ.items() if not name.startswith("PG")}


def test_a_cluster_failing_on_a_free_pgport_is_not_said_to_be_the_ports_fault():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**ENV, "PGPORT": str(port), "INITDB_OPTS": "--no-such-option"}  # pg_virtualenv's -i
    done = subprocess.run([CI_PG, "echo", "ran"], env=env, capture_output=True, text=True, timeout=120)
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "ran" not in done.stdout, said
    assert "initdb failed" in said, said  # pg_virtualenv's words, the cause
    # before: "(PGPORT's; unset it to have a free one chosen)"
    assert "unset" not in said and "in use" not in said, said
    assert (
        f".ci/pg: the throwaway PostgreSQL did not start on port {port} (PGPORT's, free: see pg_virtualenv's "
        "words above for why)"
    ) in said, said


def test_a_pgport_another_program_listens_on_is_said_to_be_in_use():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run(
            [CI_PG, "echo", "ran"],
            env={**ENV, "PGPORT": str(port)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "ran" not in done.stdout, said
    assert (
        f".ci/pg: the throwaway PostgreSQL did not start on port {port}: PGPORT's port, "
        "in use by another program "
        "(unset PGPORT to have a free one chosen)"
    ) in said, said
