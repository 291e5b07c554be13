"""`digest send --dry-run --to-dir DIR` says every reader's email the `send --to-dir DIR` it previews
leaves unwritten, as that send says it under the table ("not written (the mail server could not be
reached, it waits for its retry by SMTP: ...): ada <ada@example.org>: ..."): an earlier day's digest
waiting for its retry by SMTP too, not only the period's digest. Before, a reader with a new digest
(written to a file) and an earlier one waiting got no word of the earlier one from the dry run, while
the send said it was not written.

Real parts: real `digest send` processes with the clock on two days (libfaketime), a real loopback port
nobody listens on, SQLite and PostgreSQL, a real folder for the files."""

from __future__ import annotations

import pytest
from helpers.earlier_waiting import DAY2, earlier_waiting
from helpers.faked import digest_at, needs_faketime

pytestmark = [pytest.mark.backends, needs_faketime]

HELD = "not written (the mail server could not be reached, it waits for its retry by SMTP: "


def test_a_dry_run_to_dir_says_an_earlier_digest_it_leaves_unwritten(tmp_path, database):
    ws = earlier_waiting(tmp_path, database)
    files = tmp_path / "files"

    dry = digest_at(ws, "send", "--dry-run", "--to-dir", str(files), at=DAY2)
    assert len(list(files.glob("*.eml"))) == 1  # the new digest, written
    sent = digest_at(ws, "send", "--to-dir", str(files), at=DAY2)
    said = [line for line in sent.stderr.splitlines() if line.startswith(HELD)]
    assert len(said) == 1, sent.stderr  # the send leaves the first day's digest queued, and says it
    assert [line for line in dry.stderr.splitlines() if line.startswith(HELD)] == said, dry.stderr
