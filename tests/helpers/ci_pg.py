"""`.ci/pg` run as the tests of `.ci/pg` itself run it: a command that says its port and waits."""

from __future__ import annotations

import subprocess

from conftest import ROOT

CI_PG = str(ROOT / ".ci" / "pg")


def started(command: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`.ci/pg sh -c command` (a command that first echoes "port $PGPORT", then waits on its
    standard input), once its cluster is up: the process (its stdout the merged output) and the
    port said. The caller closes its stdin to end it, then reads the rest and waits."""
    run = subprocess.Popen(
        [CI_PG, "sh", "-c", command],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in run.stdout:  # its cluster up (initdb first)
        lines.append(line)
        if line.startswith("port "):
            break
    if not (lines and lines[-1].startswith("port ")):
        run.stdin.close()
        run.wait(timeout=120)
        raise AssertionError(lines)
    return run, lines[-1].split()[1]
