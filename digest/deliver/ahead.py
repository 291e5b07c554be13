"""Messages made ahead in a child process, so that rendering runs beside the sending.

Python runs one thread at a time. A thread rendering digests makes the thread that talks SMTP
wait for its turn after each reply of the server (up to the interpreter's switch interval),
and a message takes four replies. :class:`Forked` runs the making in a forked child process
instead: the child shares the parent's digests, renderer and configuration without copying
them, and sends each message back through a pipe as soon as it is made. The pipe's small
buffer keeps the child only a few messages ahead of the reader: memory stays flat.

The child never touches the database: it only makes bytes. Where forking is not safe (another
thread is running, whose locks a fork would copy in whatever state they are) or not
available, the messages are made in the reading thread, as before.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from digest.deliver.delivery import SendOutcome
from digest.deliver.outbox import NewMessage
from digest.errors import DeliveryError

log = logging.getLogger(__name__)

Make = Callable[[list[SendOutcome]], Iterator[NewMessage]]  # appends the digests it cannot make

_MESSAGE, _FAILED, _ERROR, _END = "message", "failed", "error", "end"


def can_fork() -> bool:
    """Fork only a process with a single thread, on a system that has fork."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``iter(Forked(make, failures))``: the messages of ``make(...)``, made in a child process
    started here (before the caller starts its threads); the digests the child could not make
    are appended to ``failures`` as they are reported."""

    def __init__(self, make: Make, failures: list[SendOutcome], *, fork: bool | None = None) -> None:
        self.make, self.failures = make, failures
        self.proc: Any = None
        if fork if fork is not None else can_fork():
            # What exists now is shared with the child, not copied: frozen, the collector
            # neither walks it (seconds, with 100,000 digests) nor writes to its pages.
            gc.freeze()
            context = multiprocessing.get_context("fork")
            self.reader, writer = context.Pipe(duplex=False)
            self.proc = context.Process(target=_child, args=(make, writer), name="digest-maker", daemon=True)
            self.proc.start()
            writer.close()  # the child holds the only writing end: its exit ends the stream

    def poll(self) -> bool:
        """Is something from the child ready to be read now (so reading it will not wait)?"""
        return self.proc is not None and not self.reader.closed and self.reader.poll()

    def __iter__(self) -> Iterator[NewMessage]:
        if self.proc is None:
            yield from self.make(self.failures)
            return
        try:
            while True:
                try:
                    kind, item = self.reader.recv()
                except EOFError:
                    self.proc.join(timeout=5)
                    raise DeliveryError(
                        f"the process making the messages stopped (exit code {self.proc.exitcode})"
                    ) from None
                if kind == _MESSAGE:
                    yield item
                elif kind == _FAILED:
                    self.failures.append(item)
                elif kind == _ERROR:
                    raise DeliveryError(f"making the messages failed: {item}")
                else:
                    return
        finally:
            self.close()

    def close(self) -> None:
        """Stop the child (if it still runs) and wait for it."""
        if self.proc is None:
            return
        self.reader.close()  # a child still writing gets a broken pipe and ends
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
        gc.unfreeze()


def _child(make: Make, writer: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it closes the pipe, this ends
    failures: list[SendOutcome] = []
    try:
        for message in make(failures):
            _send_failures(writer, failures)
            writer.send((_MESSAGE, message))
        _send_failures(writer, failures)
        writer.send((_END, None))
    except (BrokenPipeError, ConnectionResetError):  # the reader stopped: nothing more is wanted
        return
    except Exception as e:  # noqa: BLE001 - told to the parent, which raises it
        log.exception("making the messages failed")
        writer.send((_ERROR, f"{type(e).__name__}: {e}"))


def _send_failures(writer: Connection, failures: list[SendOutcome]) -> None:
    for failure in failures:
        writer.send((_FAILED, failure))
    failures.clear()
