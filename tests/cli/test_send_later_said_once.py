"""`digest send` whose every digest failed at the connection (a server busy at its greeting, one
that fell silent after it) ends with one error line: why, then "1 digest waits in the outbox and
is retried from <when> by the next `digest send` or scheduler tick". The reason's own words end
"; tried again later" (the row of each digest says that and when), which the line would say twice:
before, "...; it is busy, or takes no connections for now; tried again later; 1 digest(s) wait in
the outbox and are retried from ...". Now the "when" is said once. Real raw socket servers that
greet with the code, real `digest send`, real SQLite."""

from __future__ import annotations

from helpers.not_sent import greeting, ready, row_of_ada

from digest.deliver.replies import TRIED_LATER

from conftest import Workspace


def test_the_error_line_says_when_once(tmp_path):
    with greeting("421 4.3.2 busy, try later") as port:
        done = ready(Workspace(tmp_path, port)).cli("send")
    assert done.exit_code == 1, done.output
    assert row_of_ada(done).endswith(f"it is busy, or takes no connections for now{TRIED_LATER}")
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "tried again later" not in error, error
    assert (
        "it is busy, or takes no connections for now; 1 digest waits in the outbox and is retried from 20"
        in error
    )
