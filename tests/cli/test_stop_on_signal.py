"""The stop that `digest send` and `run --once` take on Ctrl-C or SIGTERM (digest.cli.common):
taken whatever becomes of its note on stderr, and no obstacle where no signal can come."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.cli.common import Stop, stop_on_signal
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import SENT, NewMessage, Outbox
from digest.store import Store

from conftest import NOW, Workspace, make_dump


@contextlib.contextmanager
def stderr_closed():
    """File descriptor 2 is a pipe nobody reads any more (a terminal gone, `2>&1 | head` ended).
    Inside the test itself: pytest points descriptor 2 at its capture between a fixture and the test."""
    saved = os.dup(2)
    read, write = os.pipe()
    os.close(read)
    os.dup2(write, 2)
    os.close(write)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def test_a_stop_asked_while_stderr_cannot_be_written_is_taken_and_raises_nothing_into_the_work():
    # The handler runs in the middle of the work (an SMTP sender waiting for the server's
    # answer): an error raised there cut that wait, as if the server had hung up, and the
    # message the server then accepted was retried, so it went twice.
    with stderr_closed(), stop_on_signal("finishing the message the server has") as stop:
        signal.raise_signal(signal.SIGINT)  # nothing raised here: the work goes on
        assert stop.is_set()
        with pytest.raises(KeyboardInterrupt):  # a second one still quits at once
            signal.raise_signal(signal.SIGINT)


SIGNAL_IN_WAIT = textwrap.dedent(
    """
    import signal
    from digest.cli.common import Stop, stop_on_signal

    with stop_on_signal("finishing the message the server has") as stop:
        with stop._cond:  # where stop.wait holds it (a pause between a source's tries)
            signal.raise_signal(signal.SIGTERM)
        print("stopped" if stop.is_set() else "not stopped")
    """
)


def test_a_signal_that_comes_while_the_main_thread_holds_the_stops_lock_is_taken():
    # `digest send` waiting between a source's tries, or for another's embeddings, waits in
    # stop.wait, which holds the Event's lock (not reentrant) for moments: a handler that set
    # the Event there waited for it forever, and a second Ctrl-C waited the same way.
    try:
        done = subprocess.run(
            [sys.executable, "-c", SIGNAL_IN_WAIT], capture_output=True, text=True, timeout=10
        )
    except subprocess.TimeoutExpired:  # the child is killed by run()
        raise AssertionError("the handler never returned: it waits for a lock its own thread holds") from None
    assert done.returncode == 0, done.stderr
    assert done.stdout == "stopped\n"


def test_a_wait_on_the_stop_ends_soon_after_the_signal():
    with stop_on_signal("finishing") as stop:
        threading.Timer(0.3, signal.raise_signal, (signal.SIGTERM,)).start()  # taken in the main thread
        began = time.monotonic()
        assert stop.wait(30)
        assert time.monotonic() - began < 2
        assert not Stop().wait(0.05)  # and a wait nobody ends still ends at its timeout


def test_the_stop_says_which_signal_asked_for_it():
    with stop_on_signal("finishing") as stop:
        signal.raise_signal(signal.SIGTERM)
    assert stop.is_set() and stop.signum == signal.SIGTERM  # `digest send` exits 128 + 15
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler before it is back


@pytest.mark.parametrize(
    ("signum", "again"),
    [
        (signal.SIGINT, "Ctrl-C again to quit at once"),
        (signal.SIGTERM, "SIGTERM again (or Ctrl-C) to quit at once"),
    ],
)
def test_the_stopping_line_names_what_quits_at_once_after_the_signal_that_came(capfd, signum, again):
    """A stop SIGTERM started (systemd, kill) said "Ctrl-C again", which nobody at a terminal sent."""
    with stop_on_signal("finishing the message the server has"):
        signal.raise_signal(signum)
    assert capfd.readouterr().err == f"stopping: finishing the message the server has; {again}\n"


def test_send_in_a_thread_other_than_the_main_one_sends_as_in_the_main_one(tmp_path):
    # Signals go to the main thread only, and Python refuses to set a handler from another:
    # the command said "internal error: ValueError: signal only works in main thread".
    ws = Workspace(tmp_path)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    assert ws.cli("ingest").exit_code == 0
    results = []
    out = str(tmp_path / "out")
    thread = threading.Thread(target=lambda: results.append(ws.cli("send", "--to-dir", out)))
    thread.start()
    thread.join()
    assert results[0].exit_code == 0, results[0].output
    assert "written to" in results[0].output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 1


class Made:
    """The messages `digest send` makes while it sends (in place of its maker, deliver.ahead.Forked):
    the first Ctrl-C comes once the first is taken; the second as the pass lets go of the rest,
    where `send` stops its maker and waits for it (Forked.close)."""

    def __init__(self, count: int) -> None:
        self.count = count

    def poll(self) -> bool:
        return False  # none made ahead: each is stored and sent as it comes

    def __iter__(self):
        try:
            for n in range(self.count):
                yield NewMessage(
                    f"r{n}", f"r{n}@example.org", f"<m{n}@example.org>", "S", b"Subject: s\r\n\r\nx\r\n", ()
                )
                signal.raise_signal(signal.SIGINT)
        finally:
            signal.raise_signal(signal.SIGINT)


def test_a_second_ctrl_c_while_send_stops_the_making_of_the_rest_quits_at_once(mail_workspace, smtp_server):
    # It came where Python only prints an error (the closing of a dropped generator: "Exception
    # ignored in: <generator object Forked.__iter__ ...> ... KeyboardInterrupt"), so the command
    # went on as after one Ctrl-C and waited for the server's answers until they timed out.
    with Store(mail_workspace.config.database) as store:
        with stop_on_signal("finishing the message the server has") as stop, pytest.raises(KeyboardInterrupt):
            deliver_due(mail_workspace.config, store, None, NOW, stop=stop, fresh=Made(4), fresh_count=4)
        entries = {e.user: e.status for e in Outbox(store).entries()}
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [["r0@example.org"]]
    assert entries == {"r0": SENT}  # the rest not stored: the next send makes them


def test_run_help_says_a_stop_withdraws_the_message_on_its_way():
    """`digest run --help` said SIGTERM or Ctrl-C "finish the message in flight": a message whose
    data is still on its way at the stop is withdrawn before its end and stays queued (README,
    Stopping; shown with a server slow to answer RCPT: exit 143, nothing delivered)."""
    said = " ".join(CliRunner().invoke(main, ["run", "--help"]).output.split())
    assert "finish the message in flight" not in said
    assert "withdrawn" in said and "stays queued" in said
