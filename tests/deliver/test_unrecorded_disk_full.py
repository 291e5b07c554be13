"""The note of digests the server accepted but a full disk kept the database from recording, as
two processes meet it whose temporary folders differ (systemd's PrivateTmp gives a service its
own; another TMPDIR): it went to the temporary folder of the process that could not write it
beside the database, where the other one did not look, and sent those digests again.

The disk is a real one that fills: a small tmpfs mounted for the test (skipped where mounting is
not allowed), filled by another program (the SMTP server's handler) as the first digest arrives."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from helpers.database_disk import FillingMailbox, fill, small_disk

from digest.daemon.service import Daemon
from digest.deliver.unrecorded import SPARE_BYTES
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump, postgres_database, read_only_file

# root as another user meets a file not its own: without the capabilities that pass over its mode
NOT_OVERRIDING = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner")


def digest(ws: Workspace, tmp: Path, *args: str, run_as: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """A `digest` process of its own, with its own temporary folder (``run_as``: a prefix)."""
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    command = [*run_as, sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


# the server's reply to r0's digest waits for the disk to fill: on a loaded machine that took
# longer than the workspace's 5 s timeout, r0's digest was not accepted, nothing halted, and a
# test failed later on what the halt was to leave ("the disk is full" without r0)
PATIENT = "  timeout: 60\n"


@contextlib.contextmanager
def ingested(tmp_path: Path) -> Iterator[tuple[Path, FillingMailbox, Workspace]]:
    """Five readers, a day's papers ingested, the database on a small disk, a server that fills it."""
    with small_disk(tmp_path / "disk") as disk, LocalSmtpServer(FillingMailbox(disk)) as server:
        (disk / "ws").mkdir()
        ws = Workspace(disk / "ws", server.port)
        ws.config_path.write_text(ws.config_path.read_text().replace("  timeout: 5\n", PATIENT))
        assert ws.config.smtp.timeout == 60
        for i in range(5):
            ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
        papers = [(f"Neuromorphic chip {i}", "An event-driven chip.") for i in range(40)]
        ws.dump("day.txt", make_dump("Mar 14", papers))
        assert digest(ws, tmp_path / "a", "ingest").returncode == 0
        yield disk, server.handler, ws


def test_a_digest_noted_by_a_process_with_another_temporary_folder_is_not_sent_again(tmp_path):
    with ingested(tmp_path) as (disk, box, ws):
        halted = digest(ws, tmp_path / "a", "send")  # A: the disk fills as r0's digest arrives
        noted_in_a = os.listdir(tmp_path / "a")
        (disk / "filler").unlink()  # space again
        status = digest(ws, tmp_path / "b", "status")  # B: another temporary folder
        again = digest(ws, tmp_path / "b", "send")
    sent = collections.Counter(m.rcpt_tos[0] for m in box.messages)
    assert [to for to, n in sent.items() if n > 1] == []  # was: r0 twice
    assert sorted(sent) == [f"r{i}@example.org" for i in range(5)] and again.returncode == 0
    assert halted.returncode == 1 and "delivery is stopped" in halted.stderr, halted.stderr
    assert "DELIVERY STOPPED" in status.stdout  # was: not said
    assert noted_in_a == []  # was: digest-<hash>.unrecorded, in A's temporary folder


def halt(ws: Workspace, tmp: Path, box: FillingMailbox) -> None:
    """A `digest send` that the disk filling as r0's digest arrives halts: r0 accepted, not recorded
    (a send that went otherwise is said here, not as what the next command says of the disk)."""
    halted = digest(ws, tmp, "send")
    assert halted.returncode == 1 and "delivery is stopped" in halted.stderr, halted.stderr
    assert [m.rcpt_tos for m in box.messages] == [["r0@example.org"]], halted.stderr


def test_a_send_halted_by_a_full_disk_says_the_halt_once(tmp_path):
    with ingested(tmp_path) as (_, box, ws):
        halted = digest(ws, tmp_path / "a", "send")
    said = halted.stderr
    assert halted.returncode == 1 and [m.rcpt_tos for m in box.messages] == [["r0@example.org"]], said
    assert said.count("the server accepted the digest to r0 <r0@example.org>") == 1, said  # was: 2
    assert " CRITICAL " in said.split("the server accepted the digest to r0")[0].splitlines()[-1], said
    assert said.splitlines()[-1] == "error: delivery is stopped (said above, at CRITICAL)", said


def fill_but_a_little(disk: Path) -> None:
    """Full but for a little room (the lock's note, a page or two): less than the spare's."""
    fill(disk)
    with open(disk / "filler", "r+b") as f:
        f.truncate((disk / "filler").stat().st_size - 64 * 1024)


def test_a_pass_that_cannot_keep_room_for_the_note_beside_the_database_sends_nothing_and_says_why(tmp_path):
    with ingested(tmp_path) as (disk, box, ws):
        fill_but_a_little(disk)  # full before the pass
        refused = digest(ws, tmp_path / "a", "send")
    assert refused.returncode == 1 and box.messages == []
    assert "digest.db.unrecorded.spare: cannot keep this file beside the database" in refused.stderr
    assert "the temporary folder is not seen by them all" in refused.stderr


def test_a_spare_another_user_made_is_made_again_and_holds_the_note_when_the_disk_fills(tmp_path):
    """root ran `digest send` once and left the spare its own, 0600: the service's user cannot open
    it, yet its size passed for room kept. The disk filled as r0's digest arrived, the note went
    into neither file, only into the halted process's memory, and the next pass sent r0 again."""
    with ingested(tmp_path) as (disk, box, ws):
        spare = disk / "ws" / "digest.db.unrecorded.spare"
        spare.write_bytes(os.urandom(SPARE_BYTES))
        os.chown(spare, 65534, 65534)  # nobody's: another user's, to this pass
        spare.chmod(0o600)
        halted = digest(ws, tmp_path / "a", "send", run_as=NOT_OVERRIDING)
        (disk / "filler").unlink()  # space again
        again = digest(ws, tmp_path / "a", "send")
    sent = collections.Counter(m.rcpt_tos[0] for m in box.messages)
    assert [to for to, n in sent.items() if n > 1] == [], halted.stderr  # was: r0 twice
    assert halted.returncode == 1 and "no note of it can be written" not in halted.stderr
    assert again.returncode == 0 and sorted(sent) == [f"r{i}@example.org" for i in range(5)]


def test_a_spare_that_cannot_be_written_is_no_room_for_the_note_and_the_pass_sends_nothing(tmp_path):
    """A spare of the full size that this process cannot open for writing (root's, 0600, from a
    `digest send` run as root once; here read-only even for root) passed as room kept: the disk
    filled as r0's digest arrived, the note went into neither file, and was in memory only."""
    with ingested(tmp_path) as (disk, box, ws):
        spare = disk / "ws" / "digest.db.unrecorded.spare"
        spare.write_bytes(os.urandom(SPARE_BYTES))
        with read_only_file(spare):
            refused = digest(ws, tmp_path / "a", "send")
    assert box.messages == [], refused.stderr  # was: r0's digest, then 'no note of it can be written'
    assert refused.returncode == 1 and "in memory" not in refused.stderr
    assert "unrecorded.spare: cannot keep this file beside the database (Read-only" in refused.stderr


def test_after_a_halt_a_send_on_a_disk_still_full_records_what_was_accepted_before_it_refuses(tmp_path):
    """The note of r0's digest went into the spare, and the disk stays full: the next send said it
    could not keep the spare, and left r0's digest unrecorded without a word of it."""
    with ingested(tmp_path) as (disk, box, ws):
        halt(ws, tmp_path / "a", box)  # r0 accepted, not recorded
        (disk / "more").mkdir()
        fill_but_a_little(disk / "more")  # the disk stays full (the halted pass's journal gone)
        refused = digest(ws, tmp_path / "a", "-v", "send")
        status = digest(ws, tmp_path / "a", "status")
    said = refused.stderr
    assert refused.returncode == 1 and [m.rcpt_tos for m in box.messages] == [["r0@example.org"]]
    # was: not said, not done. Recorded before the spare's refusal, by this send or by the halted one
    # at its end (its last commit can find the room its failed one left), and said so once
    recorded = max(said.find("recorded 1 digest the server had"), said.find("(r0 <r0@example.org>) was"))
    assert -1 < recorded < said.find("unrecorded.spare: cannot keep this file"), said
    assert said.count("r0 <r0@example.org>") == 1, said
    waiting = status.stdout.split("Messages waiting to be sent:")[1]
    assert "r0 <" not in waiting and "DELIVERY STOPPED" not in status.stdout, status.stdout


def test_a_send_on_a_disk_full_to_the_last_byte_says_what_is_wrong(tmp_path):
    with ingested(tmp_path) as (disk, box, ws):
        fill(disk)
        refused = digest(ws, tmp_path / "a", "send")
    assert refused.returncode == 1 and box.messages == []
    assert "internal error" not in refused.stderr  # was: 'internal error: OSError: [Errno 28] ...'
    # SQLite says it cannot grow the -shm file as "disk I/O error": it was worded a disk's fault
    # ('the database file cannot be opened or written; ... that the disk is healthy')
    assert "digest.db: the disk is full, 0 KiB free (" in refused.stderr, refused.stderr
    assert "free some space there (at least 1 MiB) and try again (disk I/O error)" in refused.stderr


def test_on_a_disk_full_to_the_last_byte_status_and_send_name_the_digests_accepted_but_unrecorded(tmp_path):
    """After a halt (r0's digest accepted, noted beside the database), the disk filled to the last
    byte: the database cannot even be opened, so `digest status` could not list r0 under DELIVERY
    STOPPED, and both said only 'the database file cannot be opened or written ... (disk I/O error)'."""
    with ingested(tmp_path) as (disk, box, ws):
        halt(ws, tmp_path / "a", box)  # r0 accepted, not recorded
        fill(disk)
        said = {command: digest(ws, tmp_path / "a", command) for command in ("status", "send")}
    assert [m.rcpt_tos for m in box.messages] == [["r0@example.org"]]
    for command, result in said.items():
        assert result.returncode == 1, (command, result.stdout)
        assert "digest.db: the disk is full, 0 KiB free" in result.stderr, (command, result.stderr)
        assert "free some space there (at least 1 MiB)" in result.stderr
        assert (
            "Delivery is stopped: the server accepted 1 digest that the database could not record "
            f"(r0 <r0@example.org>; noted in {disk}/ws/digest.db.unrecorded); the first pass that can "
            "write the database records it as sent"
        ) in result.stderr, (command, result.stderr)  # was: no word of r0


def test_a_run_once_on_a_disk_full_to_the_last_byte_says_so_and_names_the_digests_accepted_but_unrecorded(
    tmp_path,
):
    """A timer's `digest run --once` stops before the database, at its worker's lock file, a new file
    at each run: it said only "digest.db.worker.lock: cannot make the lock file: No space left on
    device", neither how much to free nor the digest the server accepted that is still not recorded."""
    with ingested(tmp_path) as (disk, box, ws):
        halt(ws, tmp_path / "a", box)  # r0 accepted, not recorded
        fill(disk)
        result = digest(ws, tmp_path / "a", "run", "--once")
    assert result.returncode == 1, result.stdout
    assert "digest.db.worker.lock: the disk is full, 0 KiB free" in result.stderr, result.stderr
    assert "free some space there (at least 1 MiB) and try again (No space left on device)" in result.stderr
    assert "the server accepted 1 digest that the database could not record (r0 <r0@example.org>" in (
        result.stderr
    )  # was: no word of the disk being full, nor of r0


def test_a_daemon_pass_on_a_disk_full_to_the_last_byte_names_the_digests_accepted_but_unrecorded(
    tmp_path, caplog
):
    with ingested(tmp_path) as (disk, box, ws):
        halt(ws, tmp_path / "a", box)  # r0 accepted, not recorded
        fill(disk)
        Daemon(ws.config, clock=lambda: dt.datetime.now(dt.UTC)).tick()  # a running daemon's next pass
    (said,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("tick failed")]
    assert "digest.db: the disk is full, 0 KiB free" in said, said
    assert "the server accepted 1 digest that the database could not record (r0 <r0@example.org>" in said


def test_a_postgresql_worker_whose_config_folder_is_read_only_still_sends(tmp_path):
    """On PostgreSQL the files kept beside the database go in the config's folder: /etc/digest, say,
    read-only to the service (or under systemd's ProtectSystem=strict). The room for the note is
    for a disk that fills under the database, which is another machine's: a worker sent nothing
    there (7d78180), where it sent before. It sends, and says the note would be in memory only."""
    with postgres_database() as url, LocalSmtpServer() as server:
        ws = Workspace(tmp_path, server.port, database=url)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        assert digest(ws, tmp_path / "a", "ingest").returncode == 0
        etc = tmp_path / "etc"
        etc.mkdir()
        text = ws.config_path.read_text().replace(": inbox", f": {tmp_path}/inbox")
        (etc / "config.yaml").write_text(text.replace(": profiles", f": {tmp_path}/profiles"))
        ws.config_path = etc / "config.yaml"
        with read_only_file(etc):
            sent = digest(ws, tmp_path / "a", "send")
    assert sent.returncode == 0, sent.stderr  # was: 1, 'cannot keep this file ...: nothing is sent'
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert f"{etc}/digest_test_" in sent.stderr and "cannot be kept beside the database" in sent.stderr
    assert "in memory only" in sent.stderr, sent.stderr
    assert sent.stderr.count("cannot be kept beside the database") == 1, sent.stderr  # was: twice


def test_a_database_on_a_full_disk_is_still_copied_into_postgresql(tmp_path):
    """`digest db migrate` records the notes beside the SQLite file before it copies, as a pass
    does; since 7d78180 that asked for the spare's room as a pass does, so a database on a disk
    with less than 256 KiB free (a reason to move it) was not copied: 'nothing is sent until ...'.
    It sends nothing: it copies, with no note to record."""
    with postgres_database() as url, ingested(tmp_path) as (disk, box, ws):
        fill_but_a_little(disk)
        copied = digest(ws, tmp_path / "a", "db", "migrate", "--to", url)
    assert copied.returncode == 0, copied.stderr  # was: 1, 'digest.db.unrecorded.spare: cannot keep ...'
    assert "every table's rows are there" in copied.stdout


def test_a_note_written_into_the_room_kept_for_it_is_not_said_unwritten(tmp_path):
    """The disk filled as r0's digest arrived: the note went into the spare's room, as it is meant
    to, yet the halt began with "digest.db.unrecorded: cannot write the note of unrecorded
    messages: [Errno 28] No space left on device" at CRITICAL, telling the operator it was lost."""
    with ingested(tmp_path) as (disk, box, ws):
        halted = digest(ws, tmp_path / "a", "send")
        note = (disk / "ws" / "digest.db.unrecorded").read_text()
    said = halted.stderr
    assert halted.returncode == 1 and [m.rcpt_tos for m in box.messages] == [["r0@example.org"]], said
    assert '"recipient": "r0@example.org"' in note, note
    assert "cannot write the note" not in said, said
