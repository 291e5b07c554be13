"""A paused reader's row in `digest send` and `send --dry-run` names the command that lifts the pause,
as a suppressed reader's names `digest suppressed --release bob` and `digest feedback`'s note names
it: "paused: gets nothing until `digest profile set bob paused false`". Before: "paused: gets nothing
until unpaused", with no word of how. A renamed reader's dry run names the new name (the one the
command takes), not the old one it plans under.

Real parts: real `digest` processes, a real profiles folder and database (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from helpers.renamed_reader import ada_bounced_then_renamed_paused, digest

from conftest import make_dump

pytestmark = pytest.mark.backends

BOB = "bob              bob@example.org                              paused: gets nothing until "


def test_a_paused_readers_row_names_the_command_that_unpauses_them(workspace):
    ws = workspace
    ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\npaused: true\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    assert digest(ws, "ingest").returncode == 0
    dry, sent = digest(ws, "send", "--dry-run"), digest(ws, "send")
    assert (dry.returncode, sent.returncode) == (0, 0), dry.stderr + sent.stderr
    said = f"{BOB}`digest profile set bob paused false`"
    assert sent.stdout.splitlines() == [said], sent.stdout  # was: "... until unpaused"
    (row,) = [line for line in dry.stdout.splitlines() if line.startswith("bob ")]
    assert row.endswith("paused: gets nothing until `digest profile set bob paused false`"), row
    unpaused = digest(ws, "profile", "set", "bob", "paused", "false")  # the command named does it
    assert unpaused.returncode == 0, unpaused.stderr
    assert "paused" not in digest(ws, "send", "--dry-run").stdout


def test_a_renamed_paused_readers_dry_run_names_the_new_name(workspace):
    ada_bounced_then_renamed_paused(workspace)  # ada.yaml renamed ada2.yaml, paused there
    dry = digest(workspace, "send", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    (row,) = [line for line in dry.stdout.splitlines() if line.startswith("ada2    ")]  # not "ada2 continues"
    assert row.endswith("paused: gets nothing until `digest profile set ada2 paused false`"), dry.stdout
