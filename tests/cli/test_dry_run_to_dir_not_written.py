"""`digest send --dry-run --to-dir DIR` says of a reader whose period's digest waits for its retry by
SMTP what `digest send --to-dir DIR` says of it: the digest is the reader's email, not written ("0 papers
already queued today at 07:02 UTC; not written (why, and who sends it: below)": 0 papers delivered by
this send, as tests/cli/test_send_dry_run_queued_papers.py counts them), and under the table why and who
sends it ("not written (the mail server could not be reached, it waits for its retry by SMTP: ...)").
Before, the dry run's row read "0 papers  already queued today at 07:02 UTC; waiting (`digest send`
retries it)": no word that the files it writes leave that digest out, while the send it previews says
"not written".

Real parts: real `digest send` (CliRunner), a real loopback port nobody listens on, SQLite and
PostgreSQL, a real folder for the files."""

from __future__ import annotations

import pytest
from test_not_delivered_said import ready

from digest.demo.smtp_server import free_port

from conftest import Workspace

pytestmark = pytest.mark.backends

NOT_WRITTEN = "not written (why, and who sends it: below)"
HELD = "not written (the mail server could not be reached, it waits for its retry by SMTP: "


def row_of_ada(done) -> str:
    (row,) = [" ".join(line.split()) for line in done.stdout.splitlines() if line.startswith("ada ")]
    return row


def test_a_dry_run_to_dir_says_the_email_it_leaves_unwritten(tmp_path, database):
    ws = ready(Workspace(tmp_path, free_port(), database=database))  # no server: the digest waits
    assert ws.cli("send").exit_code == 1
    files = tmp_path / "files"

    dry = ws.cli("send", "--dry-run", "--to-dir", str(files))
    assert dry.exit_code == 0, dry.output
    row = row_of_ada(dry)
    assert row.startswith("ada ada@example.org 0 papers already queued today at "), row
    assert row.endswith(f" UTC; {NOT_WRITTEN}"), row
    assert HELD in dry.stderr, dry.stderr
    assert not files.exists()

    sent = ws.cli("send", "--to-dir", str(files))  # the send it previews says the same of it
    assert row_of_ada(sent).endswith(f" UTC; {NOT_WRITTEN}"), sent.stdout
    assert HELD in sent.stderr, sent.stderr
