"""The lock file PostgreSQL's workers sharing the config's folder take turns on to write the note
of digests accepted but not recorded (NOTE.lock beside it): when it cannot be used, the warning
says what it keeps apart, two workers' writes of that note, not "two runs" (the run lock's words)."""

from __future__ import annotations

import datetime as dt
import logging

from digest.db import DatabaseUrl
from digest.deliver.unrecorded import Accepted, Unrecorded

AT = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)


def test_a_turns_lock_that_cannot_be_opened_says_what_it_keeps_apart(tmp_path, caplog):
    database = DatabaseUrl("postgresql:///digest", tmp_path)
    (tmp_path / "digest.pg.unrecorded.lock").mkdir()  # where the lock file goes: cannot be opened
    with caplog.at_level(logging.WARNING):
        assert Unrecorded(database).add([Accepted(1, "ada", "ada@example.org", "250 OK", AT)])
    said = caplog.text
    assert "the workers sharing this folder do not take turns at the note now" in said, said
    assert "two runs" not in said, said
    assert (
        "digest.pg.unrecorded.lock: cannot open the lock file that keeps two workers' writes of this note "
        "apart: Is a directory"
    ) in said, said
