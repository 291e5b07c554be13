"""A dump put aside in the inbox's failed/ whose note of why could not be written (a full disk:
the move went through, the note did not) is still listed by `digest status`, which listed the
failed dumps through their notes alone, so such a dump sat there unseen for good."""

from __future__ import annotations

import os

from conftest import Workspace


def test_status_lists_a_failed_dump_whose_reason_note_is_missing(tmp_path):
    ws = Workspace(tmp_path)
    failed = tmp_path / "inbox" / "failed"
    failed.mkdir()
    (failed / "noted.txt").write_text("a dump\n")
    (failed / "noted.txt.error.txt").write_text(f"{failed / 'noted.txt'}:3: no date line\n")
    (failed / "bare.txt").write_text("a dump\n")  # its note not written: the disk was full
    os.utime(failed / "bare.txt", (2_000_000_000, 2_000_000_000))  # the newer of the two
    result = ws.cli("status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = lines.index("Dumps that failed (newest first):")
    assert [line.strip() for line in lines[head + 1 : head + 3]] == [
        f"{failed / 'bare.txt'}: put aside, its reason not recorded (bare.txt.error.txt, which says it, "
        "could not be written beside it: a full disk?); move it back into the inbox to read it again: if it "
        "fails again, the reason is said then",
        f"{failed / 'noted.txt'}:3: no date line",
    ], result.output


def test_status_does_not_list_a_dump_moved_out_of_failed_by_its_note_left_behind(tmp_path):
    """A dump put aside and then moved back into the inbox (as status says to, to read it again)
    or away leaves its note in failed/: status lists the dumps there, not notes of dumps gone."""
    ws = Workspace(tmp_path)
    failed = tmp_path / "inbox" / "failed"
    failed.mkdir()
    (failed / "kept.txt").write_text("a dump\n")
    (failed / "kept.txt.error.txt").write_text(f"{failed / 'kept.txt'}:1: no date line\n")
    # gone.txt moved out, its note left
    (failed / "gone.txt.error.txt").write_text(f"{failed / 'gone.txt'}:1: no date line\n")
    os.utime(failed / "gone.txt.error.txt", (2_000_000_000, 2_000_000_000))  # the newer of the two
    result = ws.cli("status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = lines.index("Dumps that failed (newest first):")
    assert "gone.txt" not in result.output, result.output
    assert lines[head + 1].strip() == f"{failed / 'kept.txt'}:1: no date line", result.output
