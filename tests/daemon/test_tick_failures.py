"""What a failed pass says in the daemon's log. A known trouble (the database's, the disk's) is
one line, tried again at the next poll. An unforeseen exception is a bug: its traceback is
logged once, to be reported; while later passes fail the same way, one line an hour says so,
not the same traceback or line at every poll."""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid

import pytest
from polled import Polled

from digest.config import Config
from digest.daemon.service import Daemon
from digest.store import Store

from conftest import Workspace, failing_inserts, make_dump, postgres_database

pytestmark = pytest.mark.backends


def failed(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("tick failed")]


def no_transport(config: Config) -> None:  # the daemon's sender factory, with a bug in it
    raise KeyError("transport")


def no_clock(config: Config) -> None:  # another bug, elsewhere
    raise TypeError("expected a datetime")


def test_an_unforeseen_error_logs_its_traceback_once_then_one_line_an_hour(tmp_path, caplog):
    polled = Polled(Workspace(tmp_path).config, sender_factory=no_transport)
    polled.polls(12)  # a minute at poll_seconds 5
    said = failed(caplog)
    assert len(said) == 1, f"{len(said)} lines in 12 polls: {[r.getMessage()[:80] for r in said]}"
    first = said[0]
    assert first.exc_info is not None and first.exc_info[0] is KeyError  # the traceback, to report
    assert "a bug in digest: please report it with this traceback" in first.getMessage()
    assert "then one line an hour while it happens again" in first.getMessage()
    polled.an_hour_later()
    again = failed(caplog)[-1]
    assert again.exc_info is None
    assert again.getMessage() == (
        "tick failed again on the unforeseen error KeyError: 'transport' (12 times since its traceback "
        "was logged at 2026-03-16 07:00:00 UTC); retrying at the next poll"
    )

    polled.daemon.sender_factory = no_clock  # another bug: its own traceback
    polled.daemon.tick()
    assert failed(caplog)[-1].exc_info is not None and failed(caplog)[-1].exc_info[0] is TypeError


def refusing(*days: int):
    """A sender factory failing as a pass refused a file of the inbox would: inbox/2026-03-<day>.txt,
    the next of ``days`` at each pass."""
    files = iter(days)

    def refused(config: Config) -> None:
        raise PermissionError(13, "Permission denied", f"inbox/2026-03-{next(files)}.txt")

    return refused


def sender_wrapping(step):
    """A sender factory that wraps whatever goes wrong in ``step`` into one error of its own."""

    def factory(config: Config) -> None:
        try:
            step(config)
        except Exception as e:
            raise RuntimeError("could not build the sender") from e

    return factory


def test_two_bugs_wrapped_by_the_same_raise_each_log_their_traceback(tmp_path, caplog):
    # the same outer error from the same line, raised from two different bugs: the second is a
    # bug of its own, its traceback not yet seen
    config = Workspace(tmp_path).config
    daemon = Daemon(
        config,
        lambda: dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC),
        sender_factory=sender_wrapping(no_transport),
    )
    daemon.tick()
    daemon.sender_factory = sender_wrapping(no_clock)
    daemon.tick()
    daemon.tick()
    first, second = failed(caplog)  # the second's repeat: within the hour, at DEBUG
    assert first.exc_info is not None and first.exc_info[1].__cause__.__class__ is KeyError
    assert second.exc_info is not None and second.exc_info[1].__cause__.__class__ is TypeError


def test_a_broken_constraint_of_our_own_is_a_bug_with_its_traceback(database, db_at, tmp_path, caplog):
    """An error the database raises on our statement (here a trigger's, as a violated constraint
    or a typo in the SQL would be) says where it came from, once."""
    config = Workspace(tmp_path, 2525, database=database).config
    daemon = Daemon(config, lambda: dt.datetime.now(dt.UTC))
    with Store(db_at) as store, failing_inserts(store, "workers", "no such column: worker"):
        daemon.tick()
        daemon.tick()
    (first,) = failed(caplog)  # its repeat within the hour: at DEBUG
    assert first.exc_info is not None and "no such column: worker" in str(first.exc_info[1])


def test_sql_the_database_cannot_run_is_a_bug_with_its_traceback(database, db_at, tmp_path, caplog):
    """A column that is not there (SQLite says so as an "operational" error, PostgreSQL as a
    programming one): a mistake of ours, with its traceback."""
    config = Workspace(tmp_path, 2525, database=database).config
    daemon = Daemon(config, lambda: dt.datetime.now(dt.UTC))
    with Store(db_at) as store:
        if store.dialect == "postgresql":
            store.db.raw.execute(
                "CREATE FUNCTION typo() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "PERFORM no_such_column FROM workers; RETURN NEW; END $$; "
                "CREATE TRIGGER typo BEFORE INSERT ON workers FOR EACH ROW EXECUTE FUNCTION typo()"
            )
        else:
            store.db.execute(
                "CREATE TRIGGER typo BEFORE INSERT ON workers BEGIN SELECT no_such_column FROM workers; END"
            )
        daemon.tick()
        store.db.execute("DROP TRIGGER typo" + (" ON workers" if store.dialect == "postgresql" else ""))
    (line,) = failed(caplog)
    assert line.exc_info is not None and "no_such_column" in str(line.exc_info[1])


def test_a_database_connection_lost_in_a_pass_is_one_line_and_the_next_poll_retries(tmp_path, caplog):
    """The connection lost mid-pass (here the server ends it: an administrator, a restart): the
    daemon says what failed, without a traceback, and its next tick tries again."""
    with postgres_database() as url:
        config = Workspace(tmp_path, 2525, database=url).config
        daemon = Daemon(config, lambda: dt.datetime.now(dt.UTC))
        with Store(url) as store:
            store.db.raw.execute(
                "CREATE FUNCTION hang_up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$; "
                "CREATE TRIGGER hang_up BEFORE INSERT ON workers FOR EACH ROW EXECUTE FUNCTION hang_up()"
            )
            daemon.tick()
            store.db.execute("DROP TRIGGER hang_up ON workers")
        (line,) = failed(caplog)
        assert line.exc_info is None  # no traceback
        assert "terminating connection due to administrator command" in line.getMessage()
        daemon.tick()  # the next poll: the database answers again
        assert len(failed(caplog)) == 1


def test_a_privilege_the_database_withholds_is_one_line_not_a_bug(tmp_path, caplog, monkeypatch):
    """PostgreSQL denying the daemon's role a table (a privilege revoked, a table made by another
    role): the operator's to fix, said in one line, not a traceback asking to report a bug."""
    import psycopg

    with postgres_database() as url:
        role, password = f"digest_worker_{uuid.uuid4().hex[:8]}", "w0rker-pw"
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
            admin.execute(f"ALTER DATABASE {name} OWNER TO {role}")
        try:
            monkeypatch.setenv("PGPASSWORD", password)
            worker = f"postgresql://{role}@127.0.0.1:{os.environ.get('PGPORT', '5432')}/{name}"
            with Store(worker) as store:  # its tables, made by the worker's role
                store.db.raw.execute(f"REVOKE INSERT, UPDATE ON workers FROM {role}")
            daemon = Daemon(
                Workspace(tmp_path, 2525, database=worker).config, lambda: dt.datetime.now(dt.UTC)
            )
            daemon.tick()
            (line,) = failed(caplog)
            assert line.exc_info is None and "a bug in digest" not in line.getMessage()
            assert "permission denied for table workers" in line.getMessage()
        finally:
            monkeypatch.undo()
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_the_postgresql_servers_disk_full_is_said_as_such_with_what_to_do(tmp_path, caplog):
    """Seen with PostgreSQL's data directory on a small full filesystem: the pass said only the
    server's text, 'could not extend file "base/16384/16523": No space left on device\\nHINT:  Check
    free disk space.', naming neither the machine (the database server's, not the worker's) nor
    that nothing stored before was lost. Here the server raises the same error (SQLSTATE 53100)."""
    with postgres_database() as url:
        ws = Workspace(tmp_path, 2525, database=url)
        daemon = Daemon(ws.config, lambda: dt.datetime.now(dt.UTC))
        with Store(url) as store:
            store.db.raw.execute(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file \"base/16384/16523\": No space left on device' "
                "USING ERRCODE = 'disk_full', HINT = 'Check free disk space.'; END $$; "
                "CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON workers FOR EACH ROW "
                "EXECUTE FUNCTION disk_full()"
            )
            daemon.tick()
            (line,) = failed(caplog)
            said = line.getMessage()
            assert line.exc_info is None and "\\n" not in said
            assert (
                f"{url}: the PostgreSQL server's disk is full (what was being written then was not stored"
                in said
            )
            assert "free some space where its data directory is, on the database server" in said
            assert 'could not extend file "base/16384/16523": No space left on device' in said
            store.db.raw.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON listings FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
            dump = ws.dump("day.txt", make_dump("Mar 14", [("A paper", "About things.")]))
            result = ws.cli("ingest")  # a command: the same words, and the dump kept for the next try
            assert "the PostgreSQL server's disk is full" in result.output
            assert dump.exists() and not (ws.root / "inbox" / "failed").exists()
            store.db.execute("DROP TRIGGER disk_full ON workers")


def test_a_pass_failing_alike_at_every_poll_is_said_once_and_its_end_too(tmp_path, caplog):
    """A full disk fails every poll the same way: said once (not 16 lines in 80 s at poll_seconds
    5), again when the error changes or an hour later, and the first pass through says it is over."""

    def full(config: Config) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "digest.db-journal"))

    polled = Polled(Workspace(tmp_path).config, sender_factory=full)
    with caplog.at_level(logging.INFO):
        polled.polls(16)
        assert [r.getMessage() for r in failed(caplog)] == [
            f"tick failed; retrying at the next poll: {tmp_path / 'digest.db-journal'}: "
            "No space left on device"
        ]
        polled.an_hour_later()
        assert (
            failed(caplog)[-1].getMessage().endswith("(still: 17 passes failed since 2026-03-16 07:00 UTC)")
        )
        polled.daemon.sender_factory = None
        polled.daemon.tick()
    assert (
        "tick succeeded again, after 17 failed passes since 2026-03-16 07:00 UTC (said above)" in caplog.text
    )


def test_a_trouble_whose_figures_change_at_every_poll_is_said_once_all_the_same(tmp_path, caplog):
    """A full disk's line names the room left at that moment ("the disk is full, 12 KiB free"),
    which another process writing or freeing a little changes between two polls: the same trouble,
    not said again at each poll for its figures. An hour later it is said again, as it is then."""
    from digest.dbfaults import DiskFull

    room = iter(range(4, 400, 4))

    def full(config: Config) -> None:
        raise DiskFull(
            f"{tmp_path / 'digest.db'}: the disk is full, {next(room)} KiB free (what was being written "
            "then was not stored; what was before is kept); free some space there (at least 1 MiB) and "
            "try again (database or disk is full)"
        )

    polled = Polled(Workspace(tmp_path).config, sender_factory=full)
    with caplog.at_level(logging.INFO):
        polled.polls(16)
        said = [r.getMessage() for r in failed(caplog)]
        assert len(said) == 1, f"{len(said)} lines for one trouble: {said[:3]}"
        polled.an_hour_later()
    last = failed(caplog)[-1].getMessage()
    assert "the disk is full, 68 KiB free" in last and "(still: 17 passes failed since" in last, last


def test_a_pass_failing_on_another_file_is_said_though_only_its_digits_differ(tmp_path, caplog):
    """The figures folded are those that say how a trouble stands (room left, seconds), not the
    digits of what it names: a pass failing on inbox/2026-03-14.txt, then on inbox/2026-03-15.txt,
    says the second file too, at once (not an hour later)."""
    Polled(Workspace(tmp_path).config, sender_factory=refusing(14, 14, 14, 15, 15, 15)).polls(6)
    said = [r.getMessage() for r in failed(caplog)]
    assert said == [
        "tick failed; retrying at the next poll: inbox/2026-03-14.txt: Permission denied",
        "tick failed; retrying at the next poll: inbox/2026-03-15.txt: Permission denied",
    ], said


def test_two_troubles_taking_turns_at_each_poll_are_each_said_once(tmp_path, caplog):
    """Two files refused in turn, one at each poll: each said once (not a line at every poll),
    each again an hour later while it goes on."""
    polled = Polled(Workspace(tmp_path).config, sender_factory=refusing(*[14, 15] * 4, 14))
    polled.polls(8)
    said = [r.getMessage() for r in failed(caplog)]
    assert said == [
        "tick failed; retrying at the next poll: inbox/2026-03-14.txt: Permission denied",
        "tick failed; retrying at the next poll: inbox/2026-03-15.txt: Permission denied",
    ], f"{len(said)} lines in 8 polls: {said}"
    polled.an_hour_later()  # 14's turn
    assert (
        failed(caplog)[-1]
        .getMessage()
        .endswith(
            "inbox/2026-03-14.txt: Permission denied (still: 9 passes failed since 2026-03-16 07:00 UTC)"
        )
    )


def test_a_bug_back_after_a_pass_that_went_through_is_said_again_at_once(tmp_path, caplog):
    # the log said "tick succeeded again … (said above)" after a failure it had only logged at DEBUG
    caplog.set_level(logging.INFO, logger="digest")
    config = Workspace(tmp_path).config
    now = [dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)]
    daemon = Daemon(config, lambda: now[0], sender_factory=no_transport)
    working = Daemon(config, lambda: now[0]).sender_factory
    for broken in (True, False, True, False):  # 07:00 the bug, 07:01 through, 07:02 the bug again
        daemon.sender_factory = no_transport if broken else working
        daemon.tick()
        now[0] += dt.timedelta(minutes=1)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and "tick " in r.getMessage()]
    assert len(said) == 4, said
    assert said[0].startswith("tick failed on an unforeseen error")
    assert said[1].startswith("tick succeeded again, after 1 failed passes since 2026-03-16 07:00")
    assert said[2] == (
        "tick failed again on the unforeseen error KeyError: 'transport' (1 time since its traceback "
        "was logged at 2026-03-16 07:00:00 UTC); retrying at the next poll"
    ), said
    assert said[3].startswith("tick succeeded again, after 1 failed passes since 2026-03-16 07:02")
