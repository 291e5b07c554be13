"""On PostgreSQL the workers say a reader's failing digest once between them: at ERROR by the
first pass that fails it, at DEBUG by every worker's passes after, again at ERROR (by whichever
worker) when the reason changes or the next digest fails. Each worker said it from its own memory,
so N workers said one failure N times a day (on SQLite one daemon runs: tests/daemon/test_unbuilt_said.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from helpers.failing_template import trap, two_machines

from digest.daemon.service import Daemon

from conftest import make_dump, postgres_database


def said(daemons: list[Daemon], caplog) -> list[str]:
    """One pass of each daemon, in turn: the level each said bob's failure at."""
    caplog.set_level(logging.DEBUG, logger="digest")
    caplog.clear()
    for daemon in daemons:
        daemon.run_once()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    return [level for level, text in lines if text.startswith("digest for bob") and "not queued" in text]


def test_two_workers_say_a_failing_digest_once_between_them(tmp_path, smtp_server, caplog):
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        now = [dt.datetime.now(dt.UTC)]
        db1, app2 = Daemon(a.config, lambda: now[0]), Daemon(b.config, lambda: now[0])
        # was: ERROR at each worker's first pass
        assert said([db1, app2, db1, app2], caplog) == ["ERROR", "DEBUG", "DEBUG", "DEBUG"]

        trap(a, "another_value")  # what is wrong changes: said again, once
        assert said([app2, db1], caplog) == ["ERROR", "DEBUG"]

        now[0] += dt.timedelta(days=1)  # the next day's digest fails: said again, once
        a.dump("next.txt", make_dump("Mar 15", [("Neuromorphic array", "A spiking array.")]))
        assert said([db1, app2], caplog) == ["ERROR", "DEBUG"]
        assert "bob: cannot build the message" in b.cli("status").output  # listed all along


def test_two_workers_failing_a_reader_first_at_once_say_it_once(tmp_path, smtp_server, caplog):
    """Two passes ending together, bob's and cy's digests failing for the first time (no row of
    theirs to lock yet): each pass read no row of theirs, and both said them at ERROR. Here each
    pass is held as it notes them by a transaction writing their rows that rolls back (a third
    pass's note, not yet committed, as a slow one's is), then both go on at once. The second pass
    starts once the first is held: it has let bob and cy go by then (the readers' claims), so it
    builds their digests too; started together, one of the two passes could claim no reader
    (the other's claim under way: SKIP LOCKED) and end without noting them."""
    import psycopg

    caplog.set_level(logging.DEBUG, logger="digest")
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        a.cli("status")  # the database's tables made
        now = [dt.datetime.now(dt.UTC)]
        workers = [Daemon(ws.config, lambda: now[0]) for ws in (a, b)]
        passes = [threading.Thread(target=worker.run_once, daemon=True) for worker in workers]
        with psycopg.connect(str(url), autocommit=True) as side:
            with contextlib.suppress(Rollback), side.transaction():
                side.execute(
                    'INSERT INTO reader_failures ("user", error, worker, at) VALUES '
                    "('bob', 'x', 'w3', '2000-01-01'), ('cy', 'x', 'w3', '2000-01-01')"
                )
                for started, one in enumerate(passes, 1):
                    one.start()
                    held_by(side, passes[:started])
                raise Rollback
            for one in passes:
                one.join(timeout=60)
                assert not one.is_alive(), "a pass still running a minute after the third's rollback"
        lines = [(r.levelname, r.getMessage()) for r in caplog.records if "not queued" in r.getMessage()]
        for user in ("bob", "cy"):  # was: ERROR, ERROR
            levels = sorted(level for level, text in lines if text.startswith(f"digest for {user}"))
            assert levels == ["DEBUG", "ERROR"]


class Rollback(Exception):
    """The third pass's note undone."""


def held_by(side, passes: list[threading.Thread], seconds: float = 60) -> None:
    """Wait until as many sessions as ``passes`` wait for ``side``'s transaction (its rows); fails,
    saying how far they got, if a pass ends first or they do not within ``seconds``."""
    waiting = "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND %s = ANY(pg_blocking_pids(pid))"
    deadline = time.monotonic() + seconds
    while (held := side.execute(waiting, (side.info.backend_pid,)).fetchone()[0]) < len(passes):
        ended = sum(not one.is_alive() for one in passes)
        assert not ended and time.monotonic() < deadline, (
            f"{held} of {len(passes)} passes held by the third's rows ({ended} ended, {seconds} s at "
            "most): a pass did not try bob's and cy's digests"
        )
        time.sleep(0.05)


def test_workers_with_their_own_copy_of_the_template_say_its_failure_once(tmp_path, smtp_server, caplog):
    # Before: the reason names the template's file in each worker's own folder, so each pass
    # after the other worker's found "another reason" and said it at ERROR: at every pass
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        own = b.config_path.parent / "tpl"
        shutil.copytree(a.root / "tpl", own)
        b.config_path.write_text(
            b.config_path.read_text().replace(f"templates: {a.root / 'tpl'}", f"templates: {own}")
        )
        now = [dt.datetime.now(dt.UTC)]
        db1, app2 = Daemon(a.config, lambda: now[0]), Daemon(b.config, lambda: now[0])
        assert said([db1, app2, db1, app2], caplog) == ["ERROR", "DEBUG", "DEBUG", "DEBUG"]


def test_a_worker_killed_as_it_says_a_failure_leaves_it_said_or_to_be_said(tmp_path, smtp_server, caplog):
    """A `digest run --once` killed (SIGKILL, the OOM killer) once its pass has marked bob's failure
    said in reader_failures: the mark was committed before the line was written, so it was said
    nowhere, and the other workers' passes said it at DEBUG for a day (`digest status` listed it).
    Here each write to the run's log is held 0.3 s by strace, and the run killed as soon as bob's
    row is marked said; then the other machine's worker makes a pass."""
    if shutil.which("strace") is None:
        pytest.skip("no strace to hold a worker as it writes its log")
    import psycopg

    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        a.cli("status")  # the database's tables made
        log = a.root / "killed.log"
        held = ["strace", "-f", "-qq", "-o", os.devnull, "-P", str(log), "-e", "trace=write"]
        held += ["-e", "inject=write:delay_enter=300000"]
        with open(log, "wb") as out:
            run = subprocess.Popen(
                [*held, sys.executable, "-m", "digest", "--config", str(a.config_path), "run", "--once"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # strace and the run, killed together
            )
        marked = "SELECT 1 FROM reader_failures WHERE \"user\" = 'bob' AND said_at IS NOT NULL"
        with psycopg.connect(str(url), autocommit=True) as side:
            while run.poll() is None and side.execute(marked).fetchone() is None:
                time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
        killed = [
            line for line in log.read_text().splitlines() if " ERROR " in line and "digest for bob" in line
        ]
        # was: [], then ["DEBUG"]: said nowhere
        assert (
            len(killed) + said([Daemon(b.config, lambda: dt.datetime.now(dt.UTC))], caplog).count("ERROR")
            == 1
        )
