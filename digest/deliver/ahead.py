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
import contextlib
import fcntl
import functools
import gc
import logging
import multiprocessing
import os
import signal
import sys
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
# ``make(failures, part)``: the messages of the digests ``todo[part]`` only (see Forked's ``count``)
MakePart = Callable[[list[SendOutcome], slice], Iterator[NewMessage]]

PART = 4096  # digests made by one short-lived process (see Forked)
_DONE, _FAILED_PART, _STOPPED = 0, 1, 3  # how a part's process ends (its exit code)

PIPE_BYTES = 1 << 20  # the pipe's buffer (Linux: F_SETPIPE_SZ; 64 KiB otherwise): ~20 messages


def can_fork() -> bool:
    """Fork only a process with a single thread, on a system that has fork."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``iter(Forked(make, failures))``: the messages of ``make(...)``, made in a child process
    started here (before the caller starts its threads); the digests the child could not make
    are appended to ``failures`` as they are reported.

    With ``count`` (the number of digests), ``make`` takes a part too (:data:`MakePart`), and
    the child makes the digests :data:`PART` at a time, each part in a process of its own
    that it forks and waits for, one after the other (the order stays the digests' order).
    A process that touches a shared page gets its own copy of it: a single maker would end up
    with a copy of every page holding a digest (the parent's memory, nearly twice over, with
    100,000 readers); a part's copies go when it ends, so memory stays flat."""

    def __init__(
        self,
        make: Make | MakePart,
        failures: list[SendOutcome],
        *,
        fork: bool | None = None,
        count: int | None = None,
        part: int = PART,
    ) -> None:
        self.make, self.failures, self.count = make, failures, count
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
            self.proc = context.Process(
                target=_child, args=(make, writer, self.reader, count, part), name="digest-maker", daemon=True
            )
            self.proc.start()
            writer.close()  # the child holds the only writing end: its exit ends the stream

    def poll(self) -> bool:
        """Is something from the child ready to be read now (so reading it will not wait)?"""
        if self.proc is None or self.reader.closed:
            return False
        return bool(self.ready) or self.reader.poll()

    def __iter__(self) -> Iterator[NewMessage]:
        if self.proc is None:
            whole: Any = self.make
            yield from whole(self.failures) if self.count is None else whole(self.failures, part=slice(None))
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


def _child(
    make: Make | MakePart, writer: Connection, reader: Connection, count: int | None, part: int
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it closes the pipe, this ends
    reader.close()  # the parent's end: once the parent closes it, a write here fails (and this ends)
    if count is None:
        _make_into(writer, make, end=True)  # type: ignore[arg-type]
        return
    for start in range(0, count, part):
        pid = os.fork()  # this process runs no other thread: safe
        if pid == 0:  # the part's process: it must never go on with the loop that forked it
            code = _FAILED_PART
            try:
                code = _make_into(writer, functools.partial(make, part=slice(start, start + part)), end=False)
            finally:
                # Out of this function, into multiprocessing's start of this (maker) process,
                # which ends the process with this code as it ends the maker's.
                raise SystemExit(code)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if code != _DONE:  # told to the parent already, or the parent stopped reading
            # (else the part died: the stream ends here, and the parent says the maker stopped)
            sys.exit(0 if code in (_FAILED_PART, _STOPPED) else 1)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        end = Frame()
        end.end()
        writer.send_bytes(end.take())


def _make_into(writer: Connection, make: Make, *, end: bool) -> int:
    """Send the messages of ``make(...)`` (and its failures) through ``writer``, several to a
    frame; then the end of the stream if ``end``. Returns how it went (_DONE, _FAILED_PART,
    _STOPPED)."""
    failures: list[SendOutcome] = []
    frame = Frame()
    code = _DONE
    try:
        try:
            for message in make(failures):
                _add_failures(frame, failures)
                frame.message(message)
                if frame.full:
                    writer.send_bytes(frame.take())
            _add_failures(frame, failures)
            if end:
                frame.end()
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception as e:  # noqa: BLE001 - told to the parent (after what was made), which raises it
            log.exception("making the messages failed")
            _add_failures(frame, failures)
            frame.error(f"{type(e).__name__}: {e}")
            code = _FAILED_PART
        if frame.size:
            writer.send_bytes(frame.take())
    except (BrokenPipeError, ConnectionResetError):  # the reader stopped: nothing more is wanted
        return _STOPPED
    return code


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
