"""SIGTERM taken while the daemon's main thread is inside ``stop.wait``: the handler runs in that
thread between two of its bytecodes, maybe while the wait holds the Event's lock (a plain Lock,
not reentrant). A handler that set the Event itself waited for that lock forever: the daemon
never stopped, and systemd killed it 90 s later, in the middle of a send."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap
import threading

from digest.daemon.service import Daemon

from conftest import Workspace

HANDLER_IN_WAIT = textwrap.dedent(
    """
    import datetime as dt, signal, sys
    from digest.config import load_config
    from digest.daemon.service import Daemon

    daemon = Daemon(load_config(sys.argv[1]), lambda: dt.datetime.now(dt.UTC))
    with daemon.stop._cond:  # where Event.wait holds it, between two steps of serve's loop
        daemon._on_signal(signal.SIGTERM, None)  # as the signal runs it there
    print("handler returned")
    """
)


def test_a_sigterm_that_comes_while_the_main_thread_holds_the_stop_events_lock_is_taken(tmp_path):
    ws = Workspace(tmp_path)
    try:
        done = subprocess.run(
            [sys.executable, "-c", HANDLER_IN_WAIT, str(ws.config_path)],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except subprocess.TimeoutExpired:  # the child is killed by run()
        raise AssertionError(
            "the SIGTERM handler never returned: it waits for a lock its own thread holds"
        ) from None
    assert done.returncode == 0, done.stderr
    assert done.stdout == "handler returned\n"


def test_serve_sets_the_stop_event_the_other_threads_wait_on_once_a_signal_is_noted(tmp_path):
    daemon = Daemon(
        Workspace(tmp_path).config, lambda: dt.datetime.now(dt.UTC), sender_factory=lambda c: None
    )
    seen = threading.Event()
    waiter = threading.Thread(target=lambda: daemon.stop.wait(30) and seen.set())
    waiter.start()
    threading.Timer(0.5, signal.raise_signal, (signal.SIGTERM,)).start()  # in the main thread, as a kill
    daemon.serve()
    waiter.join(5)
    assert seen.is_set()
