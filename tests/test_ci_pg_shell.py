"""`.ci/pg` with no command opens a shell beside its throwaway cluster, as pg_virtualenv does
(its SHELL, /bin/sh when unset): the PG* variables set for psql, a benchmark or a test run typed
there. Its command run through the `sh -c` that leaves its mark (a cluster that started is told
from one that did not: .ci/pg tries another port) was `exec` with nothing: the shell was never
opened, and .ci/pg exited 0 at once, having run nothing.

Real parts: .ci/pg itself, a real pg_virtualenv cluster, pg_isready; the shell's commands on its
standard input."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not shutil.which("pg_virtualenv"), reason="needs pg_virtualenv")


def test_ci_pg_with_no_command_opens_a_shell_beside_its_cluster():
    env = {**os.environ, "SHELL": "/bin/sh"}
    env.pop("PGPORT", None)  # a run of its own, even under .ci/pg (else its port is the outer cluster's)
    typed = 'pg_isready -q && echo "the shell ran, its cluster up on port $PGPORT"\nexit 7\n'
    done = subprocess.run(
        [str(ROOT / ".ci" / "pg")], input=typed, env=env, capture_output=True, text=True, timeout=120
    )
    assert "the shell ran, its cluster up on port " in done.stdout, (done.stdout, done.stderr)
    assert done.returncode == 7, (done.stdout, done.stderr)  # the shell's own status, not tried again
