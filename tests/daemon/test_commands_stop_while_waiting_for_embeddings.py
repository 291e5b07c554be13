"""SIGTERM (or Ctrl-C) ends `digest send` and `digest run --once` while they wait for another
process's embeddings (a `digest --semantic rank` making them, or stopped with Ctrl-Z while it held
the lock): at once, as the daemon's pass stops there (test_stop_while_waiting_for_embeddings), not
after up to WAIT_MOST (5 minutes). Before, only the daemon's pass watched its stop in that wait:
the commands' first signal said "stopping: ..." and the wait went on.

Real processes: the command runs as its own `python -m digest`; this test's process holds the
embeddings lock, as the other digest process would. The wait comes before the model is loaded,
so no torch is needed."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.db import sidecar
from digest.filelock import FileLock

from conftest import Workspace, make_dump

WAITING = "waiting for another digest process making embeddings"


def semantic_workspace(tmp_path: Path) -> Workspace:
    """ada, due now (her send time a minute ago, UTC), and a dump in the inbox of a paper for her."""
    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("semantic: true\n")
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    ws.profile("ada", f'email: ada@example.org\ntimezone: UTC\nsend_at: "{due:%H:%M}"\ninterests: [spiking]')
    ws.dump("day.txt", make_dump("Mar 4", [("Spiking networks for audio", "We train spiking networks.")]))
    return ws


def stopped_while_waiting(ws: Workspace, *command: str, verbose: bool = True) -> tuple[int, float, str]:
    """``command`` run as a real process until it waits for the embeddings lock this test holds
    (``verbose``: with -v, said at once; without, by the warning after 3 s); then SIGTERM. Its exit
    code, the seconds it took to end after the signal, and what it said (stdout, then stderr)."""
    holder = FileLock(sidecar(ws.root / "digest.db", ".embeddings.lock"))  # another process making them
    assert holder.acquire(wait=False)
    out, err = ws.root / "stdout.txt", ws.root / "stderr.txt"
    try:
        with out.open("w") as o, err.open("w") as e:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "digest",
                    *(["-v"] if verbose else []),
                    "--config",
                    str(ws.config_path),
                ]
                + list(command),
                stdout=o,
                stderr=e,
            )
        try:
            deadline = time.monotonic() + 60
            waiting = WAITING if verbose else "still waiting ("
            while waiting not in err.read_text():
                assert child.poll() is None, f"it ended before waiting: {err.read_text()}"
                assert time.monotonic() < deadline, f"it never waited for the lock: {err.read_text()}"
                time.sleep(0.05)
            child.send_signal(signal.SIGTERM)
            began = time.monotonic()
            try:
                code = child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                raise AssertionError(
                    f"`digest {' '.join(command)}` still waited for another's embeddings 20 s after SIGTERM "
                    f"(up to 5 minutes):\n{err.read_text()}"
                ) from None
            took = time.monotonic() - began
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        return code, took, out.read_text() + err.read_text()
    finally:
        holder.release()


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (
            ("send", "--to-dir", "out"),
            # the folder named again (tmp_path/out): without it, `digest send` would send by SMTP
            "interrupted after 0 digests were written: nothing is lost or written twice; "
            "`digest send --to-dir",
        ),
        (
            ("run", "--once"),
            "stopped before the end of the pass: the next pass does the rest (nothing is lost)",
        ),
    ],
)
def test_sigterm_ends_the_commands_wait_for_another_process_embeddings(tmp_path, command, said):
    ws = semantic_workspace(tmp_path)
    command = tuple(str(tmp_path / c) if c == "out" else c for c in command)
    code, took, err = stopped_while_waiting(ws, *command)
    assert took < 5, f"it ended {took:.0f} s after SIGTERM"
    assert code == 128 + signal.SIGTERM, err  # 143, as after a stop anywhere else
    assert (
        "the wait for another digest process making embeddings with packaged:all-MiniLM-L6-v2 is given up "
        "after" in err
    ), err
    assert "internal error" not in err and "Traceback" not in err, err
    assert " ".join(said.split()) in " ".join(err.split()), err
    # where it is: no message with the server, none to be made or sent (it said it finished one)
    assert "stopping: no more digests are made or sent; SIGTERM again (or Ctrl-C) to quit at once" in err, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())  # nothing made or sent


@pytest.mark.parametrize(
    ("command", "last"),
    [
        (("send", "--to-dir", "out"), "interrupted after 0 digests were written"),
        (("run", "--once"), "stopped before the end of the pass: the next pass does the rest"),
    ],
)
def test_a_command_stopped_in_the_wait_still_says_the_dump_it_took_in_before(tmp_path, command, last):
    """The inbox is taken in before the digests are ranked: a dump moved to processed/ by a `send`
    or `run --once` stopped in the wait for the embeddings (or in their making: the same stop) is
    said (without -v, where its log is not), as by one that ends: a later command would not say it
    at all."""
    ws = semantic_workspace(tmp_path)
    command = tuple(str(tmp_path / c) if c == "out" else c for c in command)
    code, _, said = stopped_while_waiting(ws, *command, verbose=False)
    assert code == 128 + signal.SIGTERM, said
    assert (ws.root / "inbox" / "processed" / "day.txt").exists()
    assert "day.txt: 2026-03-04, 1 entry: 1 new paper" in said, said
    assert "the wait for another digest process making embeddings with packaged" in said, said
    assert said.index("day.txt: 2026-03-04") < said.index(last), said  # stdout, then stderr
