"""Who holds the run lock, said where the kernel's list of locks cannot be read (/proc/locks: no
/proc in a chroot or a sandbox): digest.daemon.lock._holder falls back on whether the process the
holder's line names is alive. Real parts: a real process holding the lock, and a real `digest
send` refused beside it in a mount namespace with no /proc (unshare -m, a tmpfs over /proc)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import Workspace

DIGEST = Path(sys.executable).parent / "digest"
HOLDING = (
    "from digest.daemon.lock import RunLock; import sys; RunLock(sys.argv[1]).acquire('digest run'); "
    "print(flush=True); sys.stdin.read()"
)


@contextmanager
def held(database: Path) -> Iterator[subprocess.Popen[str]]:
    """A process that holds the run lock of ``database`` (its line written) until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDING, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()  # type: ignore[union-attr]  # it holds the lock
        yield holder
    finally:
        holder.communicate("")


def send_without_proc(ws: Workspace) -> subprocess.CompletedProcess[str]:
    """`digest send`, run where /proc (and so /proc/locks) is not there."""
    script = 'mount -t tmpfs none /proc && test ! -e /proc/locks && exec "$0" --config "$1" send'
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(DIGEST), str(ws.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode and ("unshare: " in done.stderr or "mount: " in done.stderr):  # not root
        pytest.skip(f"cannot hide /proc here: {done.stderr.strip()}")
    return done


def test_a_refused_send_without_proc_locks_names_the_holder_by_its_line(workspace):
    database = workspace.root / "digest.db"
    with held(database) as holder:
        done = send_without_proc(workspace)
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, said
    assert f"the database is in use by digest run (pid {holder.pid}); on SQLite" in said, said


def test_a_refused_send_without_proc_locks_is_not_told_a_dead_process_holds_it(workspace):
    """A killed run's line left in the lock file, which the run holding it now could not write its
    own over (a full disk, a quota): without /proc/locks the pid it names is asked whether it still
    is, and a dead one is not said to hold it."""
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid, a process that has ended
    database = workspace.root / "digest.db"
    with held(database):
        (workspace.root / "digest.db.lock").write_text(f"digest send (pid {gone.pid})\n")  # over the holder's
        done = send_without_proc(workspace)
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, said
    assert "the database is in use by another process; on SQLite" in said, said
    assert f"pid {gone.pid}" not in said, said
