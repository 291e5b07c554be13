"""The stop a process takes on its first Ctrl-C or SIGTERM, safe to note from a signal handler."""

from __future__ import annotations

import signal
import threading
import time

# What `digest send`'s and `run --once`'s first signal says becomes of the work (Stop.doing): while
# the delivery sends, and before (fetching, taking in dumps, ranking, waiting for embeddings). While
# it sends, a message whose data the server has is waited for; one before its data (its RCPT) is
# withdrawn, and stays queued: the words hold for both.
SENDING = (
    "no more digests are sent: the server's answer to a message it has is waited for; "
    "one still on its way is withdrawn and stays queued"
)
WRITING = "no more digests are written: a file being written is finished"  # the file transport's
NOT_SENDING = "no more digests are made or sent"


class Stop(threading.Event):
    """The stop a process takes on its first Ctrl-C or SIGTERM: `digest send`'s and `run --once`'s
    (digest.cli.common.stop_on_signal), the daemon's (Daemon.serve). ``signum`` says which signal
    (the commands exit with 128 + it). Its work reads it between steps, and waits on it: a pause
    between a source's tries, the wait for another's embeddings (digest.select.embedding_lock's
    ``stopping``), the daemon's loop.

    The signal handler calls ``note``, never ``set()``: it runs in the main thread between two of
    its bytecodes, maybe inside a ``wait`` on this very Event while that holds the Event's lock,
    which is not reentrant: ``set()`` there waited for it forever. So ``is_set`` reads the note
    (``asked``, a plain attribute) too, and ``wait`` waits in steps of at most ``STEP`` seconds,
    reading it between them, in any thread. ``set()`` from outside a handler works as an Event's."""

    signum = signal.SIGINT
    asked = False
    STEP = 0.1
    # what the work finishes before it stops, as the first signal's note says it: the command's
    # (digest.cli.common.stop_on_signal), or the delivery's while it sends (deliver_due's SENDING)
    doing = ""

    def note(self, signum: int) -> None:
        """What a signal handler calls in place of ``set()``: only notes the signal."""
        self.signum = signal.Signals(signum)
        self.asked = True

    def is_set(self) -> bool:
        return self.asked or super().is_set()

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = self.STEP if end is None else min(self.STEP, end - time.monotonic())
            if left <= 0:
                return False
            super().wait(left)
        return True
