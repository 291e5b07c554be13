"""Ctrl-C (INT to the whole process group) while `.ci/pg`'s throwaway cluster is being made: it is
not run. pg_virtualenv's INT handler drops the half-made cluster but does not exit, and ran the
command anyway, with an empty PGPORT and no cluster; .ci/pg exited 0 where the command found nothing
wrong (a suite whose PostgreSQL tests skip, or fail on the wrong server). Now .ci/pg runs the
command only where its cluster answers, and exits 130, as an interrupted command does.

Real parts: .ci/pg itself, a real pg_virtualenv making its cluster (seen by initdb's first file in
its temporary folder, TMPDIR of the test's own), INT sent to their process group as Ctrl-C sends it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not shutil.which("pg_virtualenv"), reason="needs pg_virtualenv")

CI_PG = str(ROOT / ".ci" / "pg")


@pytest.mark.parametrize("pgport_given", [False, True], ids=["port-chosen", "pgport-given"])
def test_ctrl_c_while_the_cluster_is_made_runs_no_command(pgport_given):
    # pg_virtualenv's folder in it is the postgres user's: not in pytest's (root's alone)
    tmp_path = Path(tempfile.mkdtemp(prefix="ci-pg-int."))
    tmp_path.chmod(0o755)
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    env["TMPDIR"] = str(tmp_path)
    if pgport_given:
        env["PGPORT"] = "45321"
    run = subprocess.Popen(
        [CI_PG, "sh", "-c", 'echo "the command ran on port [$PGPORT]"'],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # initdb at work: its cluster being made, not yet up
        while run.poll() is None and not list(tmp_path.glob("pg_virtualenv.*/data/15/regress/PG_VERSION")):
            time.sleep(0.01)
        assert run.poll() is None, run.stdout.read()
        os.killpg(run.pid, signal.SIGINT)
    finally:
        out, _ = run.communicate(timeout=120)
        left = list(tmp_path.glob("pg_virtualenv.*"))
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert "the command ran" not in out, out  # before: "the command ran on port []", and status 0
    assert run.returncode == 130, (run.returncode, out)
    assert (
        ".ci/pg: interrupted (Ctrl-C) before the throwaway PostgreSQL was up: the command was not run" in out
    ), out
    assert "did not start on port" not in out, out  # no other port tried
    assert not left, out  # its cluster dropped
