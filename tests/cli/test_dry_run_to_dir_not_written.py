"""`digest send --dry-run --to-dir DIR` says of a reader whose period's digest waits for its retry by
SMTP what `digest send --to-dir DIR` says of it: the digest is the reader's email, not written ("already
queued today at 07:02 UTC; not written (why, and who sends it: below)": no count, as the send's row,
tests/cli/test_dry_run_rows_uncounted.py), and under the table why and who sends it ("not written (the
mail server could not be reached, it waits for its retry by SMTP: ...)").
Before, the dry run's row read "0 papers  already queued today at 07:02 UTC; waiting (`digest send`
retries it)": no word that the files it writes leave that digest out, while the send it previews says
"not written".

Real parts: real `digest send` (CliRunner), a real loopback port nobody listens on, SQLite and
PostgreSQL, a real folder for the files."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.faked import digest_at, needs_faketime
from helpers.not_sent import ADA, DAY

from digest.demo.smtp_server import free_port

from conftest import Workspace

pytestmark = pytest.mark.backends

SAVED = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)  # the listing of Mar 14, saved that morning
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)

NOT_WRITTEN = "not written (why, and who sends it: below)"
HELD = "not written (the mail server could not be reached, it waits for its retry by SMTP: "


def row_of_ada(done) -> str:
    (row,) = [" ".join(line.split()) for line in done.stdout.splitlines() if line.startswith("ada ")]
    return row


@needs_faketime
def test_a_dry_run_to_dir_says_the_email_it_leaves_unwritten(tmp_path, database):
    """Each command on a clock of the test's (libfaketime), in one day: at the real time, a send at
    23:59:59 and the dry run after midnight were of two days, the dry run's row the new day's ("ada
    ada@example.org 0 papers nothing new")."""
    ws = Workspace(tmp_path, free_port(), database=database)  # no server: the digest waits
    ws.profile("ada", ADA)
    ws.dump("day.txt", DAY, mtime=SAVED)
    digest_at(ws, "send", at=SENT, code=1)
    files = tmp_path / "files"

    dry = digest_at(ws, "send", "--dry-run", "--to-dir", str(files), at=SENT + dt.timedelta(minutes=1))
    assert row_of_ada(dry) == f"ada ada@example.org already queued today at 12:00 UTC; {NOT_WRITTEN}"
    assert HELD in dry.stderr, dry.stderr
    assert not files.exists()

    # the send it previews says the same of it
    sent = digest_at(ws, "send", "--to-dir", str(files), at=SENT + dt.timedelta(minutes=2), code=0)
    assert row_of_ada(sent) == f"ada ada@example.org already queued today at 12:00 UTC; {NOT_WRITTEN}"
    assert HELD in sent.stderr, sent.stderr
