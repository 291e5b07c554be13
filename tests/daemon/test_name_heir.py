"""A new profile given the name of a removed reader with another address is a new reader: `profile
new` moves the removed reader's history aside (tests/daemon/test_name_newcomer.py says what moves)
and says so, and makes the removal known first, so that the removed reader's links do not open the
newcomer's page even if no pass saw the name's file gone."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess

import pytest

from digest.db import wall_clock
from digest.signing import Signed
from digest.store import SCHEMA_VERSION, Store
from digest.web.identity import link_reader

from conftest import make_dump

pytestmark = pytest.mark.backends

EVE = "email: eve@example.org\ninterests: [robotics]\n"


@pytest.fixture
def ws(mail_workspace):
    mail_workspace.profile("ada", EVE.replace("eve@", "ada@"))
    mail_workspace.profile("eve", EVE)
    mail_workspace.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert mail_workspace.cli("ingest").exit_code == 0 and mail_workspace.cli("send").exit_code == 0
    return mail_workspace


def test_profile_new_under_a_removed_readers_name_says_it_starts_afresh_and_keeps_their_links_theirs(ws):
    sent = Signed("eve", wall_clock().replace(microsecond=0))  # eve's links: signed by that send
    (ws.root / "profiles" / "eve.yaml").unlink()  # and no pass since
    made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
    assert made.exit_code == 0, made.output
    assert "eve was the name of another reader <eve@example.org>" in made.output
    assert "is kept apart as eve~removed-" in made.output and "eve starts afresh" in made.output
    later = wall_clock() + dt.timedelta(seconds=2)
    assert link_reader(ws.config, sent, later) is None  # the removed eve's: 410
    assert link_reader(ws.config, Signed("eve", later), later) is not None  # bob's next links


def test_a_file_made_by_hand_under_a_removed_readers_name_is_said_by_the_pass(ws, caplog):
    (ws.root / "profiles" / "eve.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    ws.profile("eve", EVE.replace("eve@", "bob@"))
    with caplog.at_level(logging.INFO, logger="digest.daemon.names"):
        assert ws.cli("send").exit_code == 0
    assert "back with another address than their last reader's: eve (a new reader" in caplog.text
    assert "is kept apart under NAME~removed-TIME" in caplog.text
    assert re.search(
        r"eve's records before its file went are kept as eve~removed-\d{8}T\d{6}Z's", caplog.text
    )


def test_profile_new_with_the_removed_readers_own_address_is_them_back(ws):
    sent = Signed("eve", wall_clock().replace(microsecond=0))
    (ws.root / "profiles" / "eve.yaml").unlink()
    made = ws.cli("profile", "new", "eve", "--email", "Eve@example.org", "-i", "robotics")
    assert made.exit_code == 0, made.output
    assert "another reader" not in made.output
    assert ws.cli("send").exit_code == 0  # the pass finds the file back with eve's address
    assert link_reader(ws.config, sent, wall_clock()) == ("eve", ws.root / "profiles" / "eve.yaml")


def test_profile_new_under_a_renamed_readers_old_name_leaves_them_their_history_and_links(ws):
    """`mv eve.yaml eve-smith.yaml; digest profile new eve ...` before a pass: eve-smith is eve,
    renamed (as the next pass would have found), and the new eve a new reader with no history."""
    sent = Signed("eve", wall_clock().replace(microsecond=0))
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")  # and no pass since
    made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
    assert made.exit_code == 0, made.output
    assert "eve-smith continues eve (the same address <eve@example.org>" in made.output
    assert "another reader" not in made.output  # nothing inherited: eve's history is eve-smith's
    assert ws.cli("send").exit_code == 0
    later = wall_clock() + dt.timedelta(seconds=2)
    assert link_reader(ws.config, sent, later) == ("eve-smith", folder / "eve-smith.yaml")
    with Store(ws.config.database) as store:
        sent_to = dict(store.db.execute("SELECT user, COUNT(*) FROM outbox GROUP BY user").fetchall())
    assert sent_to == {"ada": 1, "eve-smith": 1, "eve": 1}  # bob's first digest, eve-smith's one


def test_the_new_profiles_links_made_right_after_it_are_its_own(ws, monkeypatch):
    """`profile new eve ... && profile url eve` (or a send) in a script: the new reader's first
    link is signed within the second the removal was written, which would make it the removed
    reader's (a link within a removal's second is the earlier reader's). `profile new` returns
    only once that second is over. Here its clock is a moment ahead: the removal at a second's end."""
    (ws.root / "profiles" / "eve.yaml").unlink()
    monkeypatch.setattr("digest.cli.common.now_utc", lambda: wall_clock() + dt.timedelta(seconds=0.999))
    made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
    assert made.exit_code == 0, made.output
    first = Signed("eve", wall_clock().replace(microsecond=0))  # `profile url eve`, right after
    assert link_reader(ws.config, first, wall_clock()) == ("eve", ws.root / "profiles" / "eve.yaml")


# -- a database that cannot be written (or read): refused, nothing made ---------------------


def test_profile_new_under_a_removed_readers_name_with_the_database_locked_is_refused(ws):
    """A pass holding SQLite's write lock longer than the wait: the removal cannot be recorded, so
    the profile is not made (it would open the removed reader's links), and the error says so.
    The wait is the library's ``timeout`` (30 s for the command), lowered here."""
    import sqlite3

    from digest.daemon.names import name_taken_over
    from digest.errors import StoreError

    if not isinstance(ws.config.database, type(ws.root)):
        pytest.skip("PostgreSQL waits for a row lock; its connection failing is the test below")
    (ws.root / "profiles" / "eve.yaml").unlink()
    holder = sqlite3.connect(ws.config.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # a running pass's write
        with pytest.raises(StoreError) as refused:
            name_taken_over(ws.config, "eve", wall_clock(), timeout=0.1)
    finally:
        holder.close()
    said = str(refused.value)
    assert "'eve' was the name of a reader whose profile file is gone" in said
    assert "stayed locked by another process" in said
    assert "made now, the profile would open the earlier reader's links" in said


def test_profile_new_with_the_database_on_a_read_only_disk_says_so_and_makes_no_file(ws, tmp_path):
    from helpers.disks import tmpfs

    if not isinstance(ws.config.database, type(ws.root)):
        pytest.skip("an SQLite file on a read-only disk")
    (ws.root / "profiles" / "eve.yaml").unlink()
    with tmpfs(tmp_path, "16m") as disk:
        (disk / "digest.db").write_bytes(ws.config.database.read_bytes())
        text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
        ws.config_path.write_text(text)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
        assert made.exit_code == 1, made.output
        assert "profiles/eve.yaml not created" in made.output
        assert "the database is read-only" in made.output
        assert not (ws.root / "profiles" / "eve.yaml").exists()
        assert not list((ws.root / "profiles").glob("*eve*.tmp"))
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
        assert made.exit_code == 0, made.output  # once it can be written: made, and told
        assert "eve was the name of another reader <eve@example.org>" in made.output


def test_profile_new_with_postgresql_down_says_it_could_not_check_and_makes_no_file(ws):
    from digest.demo.smtp_server import free_port

    if isinstance(ws.config.database, type(ws.root)):
        pytest.skip("a PostgreSQL server that does not answer")
    down = f"postgresql://127.0.0.1:{free_port()}/digest"
    ws.config_path.write_text(re.sub(r"database: .*", f"database: {down}", ws.config_path.read_text()))
    made = ws.cli("profile", "new", "zoe", "--email", "zoe@example.org", "-i", "robotics")
    assert made.exit_code == 1, made.output
    assert "zoe.yaml not created: could not tell whether 'zoe' was the name of a reader" in made.output
    assert "if it was, a profile made now would open the earlier reader's links" in made.output
    assert "try again once the database can be read and written" in made.output
    assert not (ws.root / "profiles" / "zoe.yaml").exists()


def test_profile_new_under_the_only_readers_name_keeps_their_links_theirs(mail_workspace):
    """The folder's one profile removed: a look takes a folder with no profile for a disk not
    mounted and writes nothing down, so the name's removal was not recorded and the removed
    reader's links opened the new profile. `profile new` knows the name has no file."""
    ws = mail_workspace
    ws.profile("eve", EVE)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0
    sent = Signed("eve", wall_clock().replace(microsecond=0))
    (ws.root / "profiles" / "eve.yaml").unlink()  # the only profile, and no pass since
    made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
    assert made.exit_code == 0, made.output
    later = wall_clock() + dt.timedelta(seconds=2)
    assert link_reader(ws.config, sent, later) is None  # the removed eve's: 410
    assert link_reader(ws.config, Signed("eve", later), later) is not None  # bob's


def test_profile_new_right_after_an_upgrade_migrates_the_database_and_makes_the_profile(tmp_path, database):
    """The database left by an older release (schema 17), no command run since: `profile new`
    brings it up to date (as any command that writes) rather than refusing to tell who had a name."""
    from test_store_refold import version_17

    from conftest import Workspace

    ws = Workspace(tmp_path, database=database)
    version_17(database if database.startswith("postgresql://") else tmp_path / database).close()
    ws.profile("ada", EVE.replace("eve@", "ada@"))
    made = ws.cli("profile", "new", "zoe", "--email", "zoe@example.org", "-i", "robotics")
    assert made.exit_code == 0, made.output
    assert (ws.root / "profiles" / "zoe.yaml").exists()
    with Store(ws.config.database, readonly=True) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_profile_new_with_the_profiles_folder_missing_records_no_removal(ws):
    """The profiles folder not there (a disk not mounted, its mount point gone): no profile can be
    made, and no reader was removed either: their links still open their page."""
    sent = Signed("eve", wall_clock().replace(microsecond=0))
    folder = ws.root / "profiles"
    folder.rename(ws.root / "unmounted")
    made = ws.cli("profile", "new", "eve", "--email", "bob@example.org", "-i", "robotics")
    assert made.exit_code == 1, made.output
    assert "the profiles folder does not exist" in made.output
    (ws.root / "unmounted").rename(folder)  # mounted again, no pass since
    assert link_reader(ws.config, sent, wall_clock()) == ("eve", folder / "eve.yaml")


def refused_when_locked_before_the_look(ws, monkeypatch) -> str:
    """What `profile new eve`'s refusal says when a pass takes SQLite's write lock between its
    steps (after the carry-over committed, before the look): the steps after it wait past the
    (lowered) timeout and fail."""
    import sqlite3

    import digest.daemon.names as names
    from digest.daemon.names import name_taken_over
    from digest.errors import StoreError

    holder = sqlite3.connect(ws.config.database, isolation_level=None)
    real = names.look

    def look(*args, **kwargs):
        holder.execute("BEGIN IMMEDIATE")
        return real(*args, **kwargs)

    monkeypatch.setattr(names, "look", look)
    try:
        with pytest.raises(StoreError) as refused:
            name_taken_over(ws.config, "eve", wall_clock(), timeout=0.1)
    finally:
        holder.close()
    return str(refused.value)


def test_a_refusal_after_a_carry_over_committed_says_what_was_written(ws, monkeypatch):
    """`mv eve.yaml eve-smith.yaml; digest profile new eve ...`: the carry-over (eve-smith
    continues eve) commits on its own; a later step failing said "Nothing was written", which
    was not so. The refusal now says what was."""
    if not isinstance(ws.config.database, type(ws.root)):
        pytest.skip("SQLite's write lock, taken between two steps")
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    said = refused_when_locked_before_the_look(ws, monkeypatch)
    assert "stayed locked by another process" in said and "Nothing was written" not in said
    assert "The profile file was not made; written before the failure, as the next pass would: " in said
    assert "eve-smith continues eve (the same address <eve@example.org>" in said
    assert not (folder / "eve.yaml").exists()
    with Store(ws.config.database) as store:  # as said: eve's history is eve-smith's now
        users = {u for (u,) in store.db.execute("SELECT user FROM outbox")}
    assert users == {"ada", "eve-smith"}


def test_a_refusal_after_the_database_was_upgraded_says_so(tmp_path, database, monkeypatch):
    from test_store_refold import version_17

    from conftest import Workspace

    if database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock, taken between two steps")
    ws = Workspace(tmp_path, database=database)
    old = version_17(tmp_path / database)  # left by an older release, eve a reader then
    old.execute("INSERT INTO schedule_state VALUES ('eve', '2026-03-14', '2026-03-14T07:00:00+00:00')")
    old.close()
    ws.profile("ada", EVE.replace("eve@", "ada@"))
    said = refused_when_locked_before_the_look(ws, monkeypatch)
    assert "Nothing was written" not in said
    assert f"the database's schema upgraded from version 17 to this digest's ({SCHEMA_VERSION})" in said


def test_a_refusal_before_anything_committed_still_says_nothing_was_written(ws):
    import sqlite3

    from digest.daemon.names import name_taken_over
    from digest.errors import StoreError

    if not isinstance(ws.config.database, type(ws.root)):
        pytest.skip("SQLite's write lock")
    (ws.root / "profiles" / "eve.yaml").unlink()
    holder = sqlite3.connect(ws.config.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as refused:
            name_taken_over(ws.config, "eve", wall_clock(), timeout=0.1)
    finally:
        holder.close()
    assert str(refused.value).endswith(
        "Nothing was written: try again once the database can be read and written"
    )


def test_profile_new_refused_for_its_own_values_writes_nothing_to_the_database(ws):
    """An invalid address was refused only after the rename's carry-over (and the name's
    removal) had been written: checked first now, so the refusal leaves everything as it was."""
    folder = ws.root / "profiles"
    (folder / "eve.yaml").rename(folder / "eve-smith.yaml")
    made = ws.cli("profile", "new", "eve", "--email", "not an address", "-i", "robotics")
    assert made.exit_code == 1 and "email" in made.output, made.output
    assert "continues" not in made.output and not (folder / "eve.yaml").exists()
    with Store(ws.config.database) as store:
        users = {u for (u,) in store.db.execute("SELECT user FROM outbox")}
        renames = store.db.execute("SELECT COUNT(*) FROM reader_renames").fetchone()[0]
    assert users == {"ada", "eve"} and renames == 0  # not carried over: the next pass does it
