"""A dump put aside in inbox/failed/ that the user fixed and moved back into the inbox, and that
was then taken in, is no longer listed by `digest status` under "Dumps that failed": its reason
file, left in failed/, names a dump that is not there. A dump still in failed/ keeps its reason."""

from __future__ import annotations

from conftest import NOW, make_dump


def test_a_failed_dump_moved_back_and_taken_in_is_no_longer_listed_as_failed(workspace):
    ws = workspace
    ws.dump("bad.txt", "this is not a listing\n")
    ws.dump("worse.txt", "nor is this\n")
    assert ws.cli("ingest").exit_code != 0
    failed = ws.root / "inbox" / "failed"
    assert sorted(p.name for p in failed.iterdir()) == [
        "bad.txt",
        "bad.txt.error.txt",
        "worse.txt",
        "worse.txt.error.txt",
    ]
    (failed / "bad.txt").unlink()  # fixed by the user, and put back into the inbox
    fixed = make_dump("Mar 20", [("Gardening Robots", "Robots that water plants.")])
    ws.dump("bad.txt", fixed, mtime=NOW)  # saved in 2026: the listing of 2026-03-20 in any year
    taken = ws.cli("ingest")
    assert "inbox/bad.txt: 2026-03-20, 1 entry: 1 new paper" in taken.output, taken.output
    status = ws.cli("status").output
    assert "failed/worse.txt:1: not a listing dump" in status, status  # still there: still said
    assert "failed/bad.txt" not in status, status
