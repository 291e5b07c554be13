"""A config naming the SQLite database through a symbolic link (link.db -> digest.db) and another
naming the file itself share what is kept beside it: the locks, the journals and the note of
unrecorded messages (64692b4), and the note of the readers the last pass failed and the caches.
The latter were kept beside the name as given: `digest status` through digest.db did not say the
reader a daemon through link.db could not make a digest for, and each name had caches of its own."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from daemon_processes import SlowMailbox

from digest.compose.render import builtin_templates
from digest.daemon.notes import read_reader_failures, write_reader_failures
from digest.db import DatabaseUrl
from digest.demo.smtp_server import LocalSmtpServer

from conftest import NOW, Workspace, make_dump

BOB_SAID = "Readers whose digest could not be made (last pass):\n  bob: cannot build the message"
TRAP = "{% if profile.user == 'bob' %}{{ no_such_value }}{% endif %}"  # bob's digest cannot be made


def run_once_failing_bob(tmp_path, database: str) -> tuple[Workspace, SlowMailbox]:
    """ada and bob due, bob's digest cannot be made: a real `run --once` through a config naming
    the database as ``database`` (a link made by the caller), its SMTP server a real one."""
    box = SlowMailbox(0.0)
    with LocalSmtpServer(box) as server:
        ws = Workspace(tmp_path, server.port)
        due = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%H:%M")
        for user in ("ada", "bob"):
            ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '{due}'\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        (tmp_path / "tpl").mkdir()
        (tmp_path / "tpl" / "digest.txt.j2").write_text(
            TRAP + (builtin_templates() / "digest.txt.j2").read_text()
        )
        linked = tmp_path / "linked.yaml"
        linked.write_text(ws.config_path.read_text().replace("digest.db", database) + "templates: tpl\n")
        daemon = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(linked), "run", "--once"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert [m.rcpt_tos for m in box.messages] == [["ada@example.org"]], daemon.stderr
    return ws, box


def test_status_through_the_file_says_the_reader_a_pass_through_a_link_failed(tmp_path):
    (tmp_path / "link.db").symlink_to("digest.db")
    ws, _ = run_once_failing_bob(tmp_path, "link.db")
    said = ws.cli("status")  # through digest.db
    assert BOB_SAID in said.output
    beside = sorted(p.name for p in tmp_path.glob("*.db.*"))
    assert not [name for name in beside if name.startswith("link.db")], (
        beside
    )  # was: its own caches, its note
    assert {"digest.db.readers", "digest.db.profiles.cache", "digest.db.inline.cache"} <= set(beside)


def test_the_note_of_a_pass_through_a_linked_folder_is_kept(tmp_path):
    """A config naming the database through a folder that is a symbolic link (via/digest.db, via
    -> .; or a config read through a linked folder: /var/lib/digest -> /srv/digest): the pass wrote
    its note beside the file itself, then removed "the one a release before left beside the name
    as given", the same file by its other name: status never said bob."""
    (tmp_path / "via").symlink_to(".")
    ws, _ = run_once_failing_bob(tmp_path, "via/digest.db")
    said = ws.cli("status")  # through digest.db
    assert BOB_SAID in said.output, said.output
    assert (tmp_path / "digest.db.readers").exists()  # was: removed by the pass that wrote it
    assert (tmp_path / "digest.db.profiles.cache").exists() and (tmp_path / "digest.db.inline.cache").exists()


def test_caches_an_earlier_release_kept_beside_the_link_are_removed_once_the_files_own_are_there(tmp_path):
    """A release before, through link.db, kept its caches beside the link: read while the file's own
    were not there yet, then left for ever (the profiles' a pickled copy of every reader's file)."""
    (tmp_path / "link.db").symlink_to("digest.db")
    ws, _ = run_once_failing_bob(tmp_path, "link.db")  # the file's own caches made
    for suffix in (".profiles.cache", ".inline.cache"):  # and an earlier release's, beside the link
        (tmp_path / f"link.db{suffix}").write_bytes((tmp_path / f"digest.db{suffix}").read_bytes())
    again = [sys.executable, "-m", "digest", "--config", str(tmp_path / "linked.yaml"), "run", "--once"]
    subprocess.run(again, capture_output=True, timeout=120)  # a pass through the link (no server now)
    assert sorted(p.name for p in tmp_path.glob("link.db.*")) == []  # was: both caches, for ever
    assert (tmp_path / "digest.db.profiles.cache").exists() and (tmp_path / "digest.db.inline.cache").exists()


def test_a_readers_note_an_earlier_release_left_beside_the_link_does_not_outlive_the_fix(tmp_path):
    """A release before, through link.db, noted bob; bob's digest was made since by a pass through
    digest.db: status through link.db still said bob's could not be made, at every pass after."""
    (tmp_path / "link.db").symlink_to("digest.db")
    (tmp_path / "link.db.readers").write_text(
        '{"at": "2026-03-16T07:00:00+00:00", "readers": {"bob": "X"}}\n'
    )
    write_reader_failures(tmp_path / "digest.db", {}, NOW)  # a pass through the file: nobody failed
    assert read_reader_failures(tmp_path / "link.db") == (None, {})  # was: bob, for ever
    write_reader_failures(tmp_path / "link.db", {"ada": "Y"}, NOW)  # a pass through the link
    assert read_reader_failures(tmp_path / "digest.db")[1] == {"ada": "Y"}  # was: {}
    assert not (tmp_path / "link.db.readers").exists()


def test_a_postgresql_workers_note_in_a_linked_config_folder_is_kept(tmp_path):
    """On PostgreSQL the note is in the config's folder, which may be reached through a link
    (/var/lib/digest -> /srv/digest): it is the one the pass writes, not one to remove."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    database = DatabaseUrl("postgresql:///digest", tmp_path / "link")
    write_reader_failures(database, {"bob": "X"}, NOW)
    assert read_reader_failures(database)[1] == {"bob": "X"}
