"""An inbox the disk will not let go of: what was read is stored, the problem is named, nothing is
lost, and the readers' mail goes on."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import threading
import time

from helpers.disks import tmpfs

from digest.daemon.tick import run_once
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.http import Http
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

NOW = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
PAPERS = [("Neuromorphic Chips", "Spikes on silicon."), ("Event Cameras", "Microsecond pixels.")]
ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "06:30"\n'


def test_a_dump_that_cannot_be_moved_out_of_the_inbox_is_stored_named_and_moved_next_time(workspace):
    dump = workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    (workspace.root / "inbox" / "processed").symlink_to("/nowhere")  # a disk that is not mounted
    first = workspace.cli("ingest")
    assert first.exit_code == 1 and "internal error" not in first.output
    assert (
        f"error: {dump}: cannot move it to {dump.parent / 'processed'}: File exists (a link to a folder "
        "that is not there: mount its disk, or remove the link)"
    ) in first.output
    assert "it stays in the inbox and is read again next time (nothing is stored twice)" in first.output
    assert "2 new papers" in first.output and dump.exists()
    (workspace.root / "inbox" / "processed").unlink()  # the disk fixed
    again = workspace.cli("ingest")
    assert again.exit_code == 0 and "already ingested, nothing new" in again.output
    assert not dump.exists() and (dump.parent / "processed" / "day.txt").exists()


def test_a_link_to_a_file_where_processed_should_be_is_named_as_a_file(workspace, tmp_path):
    # said before: "(a link to a folder that is not there: mount its disk ...)", of a link whose file is there
    dump = workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    notes = workspace.dump("notes.txt", "", where=".")  # dated a while ago, as the dump: no settling
    (workspace.root / "inbox" / "processed").symlink_to(notes)
    first = workspace.cli("ingest")
    assert first.exit_code == 1 and "internal error" not in first.output
    assert (
        f"cannot move it to {dump.parent / 'processed'}: File exists (a file, not a folder: move it away)"
        in (first.output)
    )
    assert "2 new papers" in first.output and dump.exists()


def test_a_file_where_processed_should_be_is_named_and_nothing_is_lost(workspace):
    # said before: "cannot move it to inbox/processed: File exists", of a path that is a file
    dump = workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    workspace.dump("processed", "")  # a stray file, dated a while ago as the dump: no settling
    first = workspace.cli("ingest")
    assert first.exit_code == 1 and "internal error" not in first.output
    assert (
        f"error: {dump}: cannot move it to {dump.parent / 'processed'}: File exists (a file, not a "
        "folder: move it away)"
    ) in first.output
    assert "2 new papers" in first.output and dump.exists()
    # the stray file was a file in the inbox: put aside as a dump it is not, with why
    assert (workspace.root / "inbox" / "failed" / "processed.error.txt").exists()
    again = workspace.cli("ingest")
    assert again.exit_code == 0 and "already ingested, nothing new" in again.output
    assert (dump.parent / "processed" / "day.txt").exists()


def test_a_file_where_failed_should_be_is_named_not_read_as_a_dump(workspace):
    # said before, at every `ingest`: "rejected: inbox/failed:1: not a listing dump ...", and its
    # move into failed/, which it stands in the way of, refused
    workspace.dump("bad.txt", "not a listing of papers\n")
    stray = workspace.dump("failed", "notes\n")  # a stray file, dated a while ago as the dump
    first = workspace.cli("ingest")
    assert first.exit_code == 1 and "internal error" not in first.output
    bad = stray.parent / "bad.txt"
    said = f"{bad}: cannot move it to {stray}: File exists (a file, not a folder: move it away)"
    assert said in first.output
    assert f"rejected: {stray}" not in first.output and f"{stray}: cannot move" not in first.output
    assert stray.read_text() == "notes\n"


def test_a_rejected_dump_whose_reason_cannot_be_written_still_says_why(workspace):
    workspace.dump("bad.txt", "not a listing at all\n")
    failed = workspace.root / "inbox" / "failed"
    (failed / "bad.txt.error.txt").mkdir(parents=True)  # the note's place is taken: writing it fails
    result = workspace.cli("ingest")
    assert result.exit_code == 1 and "internal error" not in result.output
    assert "rejected: " in result.output and "bad.txt:1:" in result.output  # the reason, on stderr
    assert f"error: {failed / 'bad.txt.error.txt'}: cannot write why {failed / 'bad.txt'}" in result.output
    assert (failed / "bad.txt").read_text() == "not a listing at all\n"  # kept, not lost


def tick(ws, at):
    config = ws.config
    with Store(config.database) as store:
        return run_once(config, store, load_profiles(config), None, at)


def test_a_missing_inbox_stops_no_ones_mail(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 15", PAPERS), mtime=NOW - dt.timedelta(hours=6))
    assert tick(ws, NOW - dt.timedelta(hours=2)).ingested.results  # stored before 06:30
    (ws.root / "inbox" / "processed" / "day.txt").unlink()
    for folder in ("processed", ""):
        (ws.root / "inbox" / folder).rmdir()  # the inbox's disk not mounted
    report = tick(ws, NOW)
    assert report.ingested.problems == (
        f"{ws.root / 'inbox'}: the inbox folder does not exist; create it or fix `inbox:` "
        f"in {ws.config_path}",
    )
    assert [s.papers for s in report.scheduled] == [1] and [o.ok for o in report.delivered] == [True]
    assert len(smtp_server.messages) == 1
    status = ws.cli("status").output
    assert f"Inbox problem:\n  {ws.root / 'inbox'}: the inbox folder does not exist" in status


def test_a_read_only_inbox_is_read_named_and_stops_no_ones_mail(tmp_path, smtp_server):
    with tmpfs(tmp_path, "1m") as disk:
        (tmp_path / "ws").mkdir()
        ws = Workspace(tmp_path / "ws", smtp_server.port)
        config = ws.config_path.read_text().replace("inbox: inbox", f"inbox: {disk}")
        ws.config_path.write_text(config)
        ws.profile("ada", ADA)
        dump = disk / "day.txt"
        dump.write_text(make_dump("Mar 15", PAPERS))
        os.utime(dump, ((NOW - dt.timedelta(hours=1)).timestamp(),) * 2)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        report = tick(ws, NOW)
        (problem,) = report.ingested.problems
        assert problem.startswith(f"{dump}: cannot move it to {disk / 'processed'}: Read-only file system")
        assert [r.new_papers for r in report.ingested.results] == [2]  # read and stored all the same
        assert [o.ok for o in report.delivered] == [True] and len(smtp_server.messages) == 1
        assert dump.exists()
        status = ws.cli("status").output
        assert f"Inbox problem:\n  {disk}: read-only: the dumps read cannot move out of it" in status


def write_slowly(path, papers, pause: float) -> tuple[threading.Thread, list[threading.Event]]:
    """A writer that copies a dump in a paper at a time (whole paragraphs: each piece alone
    would read as a complete, shorter listing); event ``i`` is set once paper ``i`` is written."""
    pieces = [make_dump("Mar 14", papers[:1])] + [f"\n{t}\n\n{a}\n" for t, a in papers[1:]]
    written = [threading.Event() for _ in pieces]

    def write() -> None:
        with path.open("w") as f:
            for piece, done in zip(pieces, written, strict=True):
                f.write(piece)
                f.flush()
                done.set()
                time.sleep(pause)

    thread = threading.Thread(target=write)
    thread.start()
    return thread, written


def settle_in(workspace, seconds: float) -> None:
    workspace.config_path.write_text(
        workspace.config_path.read_text() + f"scheduler:\n  settle_seconds: {seconds}\n"
    )


def test_ingest_waits_for_a_dump_still_being_written_and_reads_it_whole(workspace):
    settle_in(workspace, 1)
    papers = [(f"Paper {i}", f"Abstract number {i}.") for i in range(6)]
    writer, written = write_slowly(workspace.root / "inbox" / "slow.txt", papers, pause=0.4)
    assert written[1].wait(30)  # two papers written of six
    result = workspace.cli("ingest")
    writer.join()
    assert result.exit_code == 0, result.output
    assert re.search(
        r"slow\.txt was changed \d+ s ago; waiting until it has not changed for 1 s", result.output
    )
    assert "6 entries: 6 new papers" in result.output
    assert (workspace.root / "inbox" / "processed" / "slow.txt").read_text().count("Abstract number") == 6


def test_ingest_says_what_it_waits_for_of_a_dump_copied_in_whole_a_moment_ago(workspace):
    """The copy is done; the settle time is not over. `digest ingest` said 'waiting for day.txt to
    finish being written', which it was not: it says when the file last changed and for how long
    it waits for it to stay unchanged."""
    settle_in(workspace, 4)
    workspace.dump(
        "day.txt", make_dump("Mar 14", PAPERS), mtime=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    )
    result = workspace.cli("ingest")
    assert result.exit_code == 0, result.output
    assert "finish being written" not in result.output
    said = r"day\.txt was changed [23] s ago; waiting until it has not changed for 4 s \(scheduler\.settle_"
    assert re.search(said, result.output), result.output
    assert "new paper" in result.output


def test_a_dump_still_written_after_the_wait_is_left_in_the_inbox_and_said(workspace, monkeypatch):
    from digest.cli import papers

    monkeypatch.setattr(papers, "WAIT_AT_MOST", dt.timedelta(seconds=0.5))  # a minute, in the product
    settle_in(workspace, 1)
    workspace.dump("done.txt", make_dump("Mar 13", PAPERS), mtime=NOW)  # of 2026: 2026-03-13 in any year
    papers_ = [(f"Paper {i}", f"Abstract number {i}.") for i in range(8)]
    writer, written = write_slowly(workspace.root / "inbox" / "slow.txt", papers_, pause=0.3)
    assert written[0].wait(30)  # the file is there, its first paper written
    result = workspace.cli("ingest")
    writer.join()
    assert "done.txt: 2026-03-13" in result.output  # the settled one is read
    assert "slow.txt: still being written" in result.output and "left in the inbox" in result.output
    assert (workspace.root / "inbox" / "slow.txt").exists()
    monkeypatch.undo()
    again = workspace.cli("ingest")  # waits the second it still needs
    assert again.exit_code == 0 and "8 entries: 8 new papers" in again.output


def test_a_database_disk_that_fills_mid_ingest_keeps_the_dumps_stored_before_it_moved(tmp_path):
    # room for a new database (its migrations' write-ahead log: some 620 KB at schema 35, 420 KB at
    # schema 19) and the small dump, not for the big one as well (all of it takes more than 1.1 MB)
    with tmpfs(tmp_path, "880k") as disk:
        (tmp_path / "ws").mkdir()
        ws = Workspace(tmp_path / "ws", database=f"{disk}/digest.db")
        ws.dump("a-small.txt", make_dump("Mar 13", PAPERS))
        big = [(f"Paper {i}", f"Words about paper {i}. " * 300) for i in range(60)]  # 0.4 MB of abstracts
        ws.dump("b-big.txt", make_dump("Mar 14", big))
        result = ws.cli("ingest")
        assert result.exit_code == 1 and "the disk is full" in result.output
        assert "what was being written then was not stored; what was before is kept" in result.output
        inbox = ws.root / "inbox"
        assert (inbox / "processed" / "a-small.txt").exists()  # stored, and moved at once
        assert (inbox / "b-big.txt").exists()  # not stored: still in the inbox, for the next run
        assert not (inbox / "failed").exists()


def test_a_dump_whose_time_is_ahead_of_the_clock_is_read_at_once(workspace):
    """Unzipped or copied with its times from a machine whose clock is ahead: no writer is at
    work on it (a writer's file has the time of now), so there is nothing to wait for."""
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    workspace.dump("ahead.txt", make_dump("Mar 14", PAPERS), mtime=ahead)
    result = workspace.cli("ingest")
    assert result.exit_code == 0 and "waiting" not in result.output and "2 new papers" in result.output


def test_a_source_due_while_the_inbox_is_unusable_stops_no_ones_mail(mail_workspace, smtp_server):
    """The fetch writes into the inbox: with the inbox a plain file (a disk not mounted under
    it), fetching fails as reading does, each said once per tick, and the digests go out."""
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 15", PAPERS), mtime=NOW - dt.timedelta(hours=6))
    assert tick(ws, NOW - dt.timedelta(hours=2)).ingested.results
    listing = make_dump("Mar 16", [("Neuromorphic Again", "Spikes.")]).encode()
    with LocalHttpServer({"/listing.txt": Route(listing)}) as web:
        text = ws.config_path.read_text() + f"sources:\n  - kind: url\n    url: {web.url('/listing.txt')}\n"
        ws.config_path.write_text(text.replace("inbox: inbox", "inbox: not-a-folder"))
        (ws.root / "not-a-folder").write_text("a file where the inbox should be\n")
        with Store(ws.config.database) as store, Http(sleep=lambda s: None) as http:
            report = run_once(ws.config, store, load_profiles(ws.config), None, NOW, http=http)
    assert report.ingested.problems and all("not-a-folder" in p for p in report.ingested.problems)
    assert [o.ok for o in report.delivered] == [True] and len(smtp_server.messages) == 1


def test_a_dump_written_after_a_pass_began_is_waited_for_not_taken_for_a_copy_from_ahead(tmp_path):
    from digest.ingest.inbox import split_ready

    began = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)  # a pass whose fetching took a while
    (tmp_path / "new.txt").write_text(make_dump("Mar 14", PAPERS))  # written now: after `began`
    ready, waiting = split_ready(tmp_path, began, dt.timedelta(seconds=5))
    assert ready == [] and [w.path.name for w in waiting] == ["new.txt"]


def test_run_once_and_the_daemon_say_what_they_wait_for_as_ingest_does(workspace, caplog):
    """`digest run --once` said 'waiting for day.txt to finish being written' and the daemon's log
    'dump inbox/day.txt is still being written; waiting' of a dump copied in whole a moment ago:
    they say, as `digest ingest` does, when it last changed and for how long it must stay so."""
    from digest.daemon.service import Daemon
    from digest.db import wall_clock

    settle_in(workspace, 4)
    workspace.dump(
        "day.txt", make_dump("Mar 14", PAPERS), mtime=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    )
    result = workspace.cli("run", "--once")
    assert "finish being written" not in result.output
    said = (
        r"day\.txt: still being written \(it changed [23] s ago, within the last settle_seconds, 4 s\); "
        r"left in the inbox: a later run reads it"
    )
    assert re.search(said, result.output), result.output

    caplog.set_level(logging.INFO, logger="digest")
    caplog.clear()
    Daemon(workspace.config, wall_clock).tick()
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("dump ")]
    assert len(logged) == 1 and "still being written" not in logged[0]
    said = (
        r"^dump \S+day\.txt was changed [2-4] s ago; waiting until it has not changed for 4 s \(scheduler\."
    )
    assert re.search(said, logged[0]), logged
    assert (workspace.root / "inbox" / "day.txt").exists()
