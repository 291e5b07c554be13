"""Messages made ahead in a child process, so that rendering runs beside the sending.

Python runs one thread at a time. A thread rendering digests makes the thread that talks SMTP
wait for its turn after each reply of the server (up to the interpreter's switch interval),
and a message takes four replies. :class:`Forked` runs the making in a forked child process
instead: the child shares the parent's digests, renderer and configuration without copying
them, and sends the messages back through a pipe as plain bytes, a few to a write
(digest.deliver.frames). The pipe's buffer (enlarged to :data:`PIPE_BYTES` where the system
allows) keeps the child a bounded number of messages ahead of the reader: memory stays flat,
and neither process waits for the other after each message.

The child never touches the database: it only makes bytes. Where forking is not safe (another
thread is running, whose locks a fork would copy in whatever state they are) or not
available, the messages are made in the reading thread, as before.
"""

from __future__ import annotations

import collections
import fcntl
import gc
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from digest.deliver import frames
from digest.deliver.delivery import SendOutcome
from digest.deliver.frames import ERROR, FAILED, MESSAGE, Frame
from digest.deliver.outbox import NewMessage
from digest.errors import DeliveryError

log = logging.getLogger(__name__)

Make = Callable[[list[SendOutcome]], Iterator[NewMessage]]  # appends the digests it cannot make

PIPE_BYTES = 1 << 20  # the pipe's buffer (Linux: F_SETPIPE_SZ; 64 KiB otherwise): ~20 messages


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
        self.ready: collections.deque[tuple[int, Any]] = collections.deque()  # read, not yet taken
        self.buffer = bytearray(2 * frames.FRAME_BYTES)  # each frame is read into it
        if fork if fork is not None else can_fork():
            # What exists now is shared with the child, not copied: frozen, the collector
            # neither walks it (seconds, with 100,000 digests) nor writes to its pages.
            gc.freeze()
            context = multiprocessing.get_context("fork")
            self.reader, writer = context.Pipe(duplex=False)
            _enlarge(writer)
            self.proc = context.Process(target=_child, args=(make, writer), name="digest-maker", daemon=True)
            self.proc.start()
            writer.close()  # the child holds the only writing end: its exit ends the stream

    def poll(self) -> bool:
        """Is something from the child ready to be read now (so reading it will not wait)?"""
        if self.proc is None or self.reader.closed:
            return False
        return bool(self.ready) or self.reader.poll()

    def __iter__(self) -> Iterator[NewMessage]:
        if self.proc is None:
            yield from self.make(self.failures)
            return
        try:
            while True:
                if not self.ready:
                    self._read()
                kind, item = self.ready.popleft()
                if kind == MESSAGE:
                    yield item
                elif kind == FAILED:
                    self.failures.append(item)
                elif kind == ERROR:
                    raise DeliveryError(f"making the messages failed: {item}")
                else:
                    return
        finally:
            self.close()

    def _read(self) -> None:
        """The records of the child's next frame, into :attr:`ready` (waits for it)."""
        try:
            n = self.reader.recv_bytes_into(self.buffer)
            data: Any = memoryview(self.buffer)[:n]
        except multiprocessing.BufferTooShort as e:  # a message larger than the buffer: it is in e
            data = e.args[0]
            self.buffer = bytearray(2 * len(data))
        except EOFError:
            self.proc.join(timeout=5)
            raise DeliveryError(
                f"the process making the messages stopped (exit code {self.proc.exitcode})"
            ) from None
        with data if isinstance(data, memoryview) else memoryview(data) as view:
            self.ready.extend(frames.records(view))

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
    frame = Frame()
    try:
        try:
            for message in make(failures):
                _add_failures(frame, failures)
                frame.message(message)
                if frame.full:
                    writer.send_bytes(frame.take())
            _add_failures(frame, failures)
            frame.end()
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception as e:  # noqa: BLE001 - told to the parent (after what was made), which raises it
            log.exception("making the messages failed")
            _add_failures(frame, failures)
            frame.error(f"{type(e).__name__}: {e}")
        writer.send_bytes(frame.take())
    except (BrokenPipeError, ConnectionResetError):  # the reader stopped: nothing more is wanted
        return


def _add_failures(frame: Frame, failures: list[SendOutcome]) -> None:
    for failure in failures:
        frame.failed(failure)
    failures.clear()


def _enlarge(writer: Connection) -> None:
    """Give the pipe a buffer of :data:`PIPE_BYTES` (Linux; elsewhere, or if refused, as it is)."""
    try:
        fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError) as e:
        log.debug("the maker's pipe keeps its buffer: %s", e)
