"""Messages made ahead in a child process, so that rendering runs beside the sending.

Python runs one thread at a time. A thread rendering digests makes the thread that talks SMTP
wait for its turn after each reply of the server (up to the interpreter's switch interval),
and a message takes four replies. :class:`Forked` runs the making in a forked child process
instead: the child shares the parent's digests, renderer and configuration without copying
them, and sends the messages back through a pipe as plain bytes, a few to a write
(digest.deliver.frames). The pipe's buffer (enlarged to :data:`PIPE_BYTES` where the system
allows) and, with one maker, a thread that takes each frame as soon as it is written, up to
:data:`~digest.deliver.readahead.AHEAD_BYTES` (digest.deliver.readahead), keep the child a
bounded number of messages ahead of the reader: memory stays flat, and neither process waits
for the other after each message.

The child runs at a lower priority (``nice``; for SMTP:
:func:`digest.deliver.senders.maker_nice`): its lead covers a late turn, while a sending
thread that waits for its turn after a reply keeps the server waiting too (the server may
share this machine's cores: a local MTA).

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
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from digest.deliver import frames
from digest.deliver.delivery import SendOutcome
from digest.deliver.frames import ERROR, FAILED, MESSAGE, Frame
from digest.deliver.outbox import NewMessage
from digest.deliver.readahead import AHEAD_BYTES, ReadAhead
from digest.errors import DeliveryError
from digest.forking import can_fork, die_with_parent, leave_signals_to_parent, release_free_memory

log = logging.getLogger(__name__)

Make = Callable[[list[SendOutcome]], Iterator[NewMessage]]  # appends the digests it cannot make
# ``make(failures, part)``: the messages of the digests ``todo[part]`` only (see Forked's ``count``)
MakePart = Callable[[list[SendOutcome], slice], Iterator[NewMessage]]

PART = 8192  # at most, the digests made by one short-lived process (see Forked)
CHUNK = 16  # with several makers: the digests one of them makes in a row (~800 KB of messages)
_DONE, _FAILED_PART, _STOPPED = 0, 1, 3  # how a part's process ends (its exit code)

CLOSE_GRACE = 5.0  # s: how long close() waits for a maker to end before it kills it

PIPE_BYTES = 1 << 20  # the pipe's buffer (Linux: F_SETPIPE_SZ; 64 KiB otherwise): ~20 messages


class Forked:
    """``iter(Forked(make, failures))``: the messages of ``make(...)``, made in a child process
    started here (before the caller starts its threads); the digests the child could not make
    are appended to ``failures`` as they are reported.

    With ``count`` (the number of digests), ``make`` takes a part too (:data:`MakePart`), and
    the child makes the digests in parts of at most :data:`PART`, each part in a process of
    its own that it forks and waits for, one after the other (the order stays the digests').
    A process that touches a shared page gets its own copy of it: a single maker would end up
    with a copy of every page holding a digest (the parent's memory, nearly twice over, with
    100,000 readers); a part's copies go when it ends, so memory stays flat. The parts are
    as even as that allows (10,000 digests: two of 5,000, not 8,192 and 1,808): each part
    starts with the rendering's caches empty (the papers' views, their escaped and encoded
    text), so a part's first messages cost more than its later ones.

    With ``makers`` > 1 (and ``count``), that many processes make each part side by side,
    :data:`CHUNK` digests at a time in turn (chunk ``c`` by maker ``c % makers``), each into
    a pipe of its own; the reader takes the chunks in order, so the order stays the digests'.
    For a reader that is faster than one maker and has a core to spare (the file transport).

    ``nice``: how much the child (and so each maker) lowers its priority (os.nice). ``ahead``:
    with one maker, how many bytes of its frames a thread reads ahead of the caller
    (:class:`~digest.deliver.readahead.ReadAhead`). ``grace``: how long (s) :meth:`close` waits for
    the child to end before it kills it."""

    def __init__(
        self,
        make: Make | MakePart,
        failures: list[SendOutcome],
        *,
        fork: bool | None = None,
        count: int | None = None,
        part: int = PART,
        makers: int = 1,
        chunk: int = CHUNK,
        nice: int = 0,
        ahead: int = AHEAD_BYTES,
        grace: float = CLOSE_GRACE,
    ) -> None:
        self.make, self.failures, self.count = make, failures, count
        self.grace = grace
        self.makers = max(1, makers) if count else 1
        self.chunk = max(1, min(chunk, part))
        self.proc: Any = None
        self.readers: list[Connection] = []
        self.ready: list[collections.deque[tuple[int, Any]]] = []  # per pipe: read, not yet taken
        self.turn = 0  # the pipe the next records come from
        self.buffer = bytearray(2 * frames.FRAME_BYTES)  # each frame is read into it (several makers)
        self.ahead: ReadAhead | None = None
        if fork if fork is not None else can_fork():
            # What exists now is shared with the child, not copied: frozen, the collector
            # neither walks it (seconds, with 100,000 digests) nor writes to its pages.
            gc.freeze()
            # The free memory between the objects goes back to the system first: else the
            # parent's new objects, made there while it sends, would leave the child holding
            # the old copy of each such page (100,000 readers after parsing their profiles:
            # 150 MiB).
            release_free_memory()
            context = multiprocessing.get_context("fork")
            pipes = [context.Pipe(duplex=False) for _ in range(self.makers)]
            self.readers = [r for r, _ in pipes]
            writers = [w for _, w in pipes]
            self.ready = [collections.deque() for _ in pipes]
            for writer in writers:
                _enlarge(writer)
            if self.makers == 1:
                target, args = _child, (make, writers[0], self.readers[0], count, part, nice)
            else:  # parts aligned on chunks
                part = max(self.chunk, part // self.chunk * self.chunk)
                target, args = _striped, (make, writers, self.readers, count, part, self.chunk, nice)
            self.proc = context.Process(target=target, args=args, name="digest-maker", daemon=True)
            self.proc.start()
            for writer in writers:
                writer.close()  # the children hold the only writing ends: their exit ends the stream
            if self.makers == 1:  # its frames taken as soon as they are written (see ReadAhead)
                self.ahead = ReadAhead(self.readers[0], ahead)

    @property
    def reader(self) -> Connection:
        return self.readers[self.turn]

    def poll(self) -> bool:
        """Is something from the child ready to be read now (so reading it will not wait)?"""
        if self.proc is None or self.reader.closed:
            return False
        if self.ahead is not None:
            return bool(self.ready[self.turn]) or self.ahead.ready()
        return bool(self.ready[self.turn]) or self.reader.poll()

    def __iter__(self) -> Iterator[NewMessage]:
        if self.proc is None:
            whole: Any = self.make
            yield from whole(self.failures) if self.count is None else whole(self.failures, part=slice(None))
            return
        try:
            for turn in self._turns():
                self.turn = turn
                ready = self.ready[turn]
                while True:
                    if not ready:
                        self._read()
                    kind, item = ready.popleft()
                    if kind == MESSAGE:
                        yield item
                    elif kind == FAILED:
                        self.failures.append(item)
                    elif kind == ERROR:
                        raise DeliveryError(f"making the messages failed: {item}")
                    else:
                        break
        finally:
            self.close()

    def _turns(self) -> Iterator[int]:
        """The pipe of each run of records that an END closes, in order: the one pipe (its
        END ends the stream), or chunk ``c``'s (``c % makers``)."""
        if self.makers == 1:
            yield 0
            return
        for c in range(-(-(self.count or 0) // self.chunk)):
            yield c % self.makers

    def _read(self) -> None:
        """The records of the child's next frame, into :attr:`ready` (waits for it)."""
        try:
            if self.ahead is not None:
                data: Any = self.ahead.take()
            else:
                n = self.reader.recv_bytes_into(self.buffer)
                data = memoryview(self.buffer)[:n]
        except multiprocessing.BufferTooShort as e:  # a message larger than the buffer: it is in e
            data = e.args[0]
            self.buffer = bytearray(2 * len(data))
        except EOFError:
            self.proc.join(timeout=self.grace)
            raise DeliveryError(
                f"the process making the messages stopped (exit code {self.proc.exitcode})"
            ) from None
        with data if isinstance(data, memoryview) else memoryview(data) as view:
            self.ready[self.turn].extend(frames.records(view))

    def close(self) -> None:
        """Stop the child (if it still runs) and wait for it."""
        if self.proc is None:
            return
        if self.ahead is None or self.ahead.close():  # else its thread still reads the pipe
            for reader in self.readers:
                reader.close()  # a child still writing gets a broken pipe and ends
        self.proc.join(timeout=self.grace)
        if self.proc.is_alive():
            self.proc.kill()  # not SIGTERM: the maker may ignore that (leave_signals_to_parent);
            self.proc.join()  # its part's process, if any, dies with it (die_with_parent)
        gc.unfreeze()


def _child(
    make: Make | MakePart, writer: Connection, reader: Connection, count: int | None, part: int, nice: int = 0
) -> None:
    leave_signals_to_parent()  # Ctrl-C is the parent's: it closes the pipe, this ends
    _lower_priority(nice)
    reader.close()  # the parent's end: once the parent closes it, a write here fails (and this ends)
    if count is None:
        _make_into(writer, make, end=True)  # type: ignore[arg-type]
        return
    part = -(-count // -(-count // part)) if count else part  # as even as parts of <= part allow
    me = os.getpid()
    for start in range(0, count, part):
        pid = os.fork()  # this process runs no other thread: safe
        if pid == 0:  # the part's process: it must never go on with the loop that forked it
            code = _FAILED_PART
            try:
                die_with_parent(me)  # the maker killed (Forked.close): this part ends with it
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


def _striped(
    make: MakePart,
    writers: list[Connection],
    readers: list[Connection],
    count: int,
    part: int,
    chunk: int,
    nice: int = 0,
) -> None:
    """The maker of several makers: for each part, one process per maker (``writers[j]``:
    maker j's pipe), side by side, chunk ``c`` made by maker ``c % makers``, each chunk closed
    by an END; then the next part, once they all ended."""
    leave_signals_to_parent()  # Ctrl-C is the parent's: it closes the pipes, this ends
    _lower_priority(nice)
    for reader in readers:
        reader.close()
    makers, me = len(writers), os.getpid()
    for start in range(0, count, part):
        stop = min(start + part, count)
        running: set[int] = set()
        for j in range(makers):
            pid = os.fork()  # this process runs no other thread: safe
            if pid == 0:  # maker j: it must never go on with the loop that forked it
                code = _FAILED_PART
                try:
                    die_with_parent(me)  # as in _child
                    for other in writers[:j] + writers[j + 1 :]:
                        other.close()  # a pipe's reader sees its end once its own maker is gone
                    mine = range(start // chunk + j, -(-stop // chunk), makers)
                    code = _make_chunks(writers[j], make, mine, chunk, stop)
                finally:
                    raise SystemExit(code)  # as in _child
            running.add(pid)
        codes = []
        while running:
            pid, status = os.wait()
            running.discard(pid)
            codes.append(os.waitstatus_to_exitcode(status))
            if codes[-1] not in (_DONE, _FAILED_PART, _STOPPED):
                # Died without telling the parent, which may be waiting on its pipe: the other
                # makers go too, and the pipes' ends with them (the parent says the maker stopped).
                for other in running:
                    os.kill(other, signal.SIGKILL)
                sys.exit(1)
        if any(code != _DONE for code in codes):  # told to the parent already, or it stopped reading
            sys.exit(0)


def _make_chunks(writer: Connection, make: MakePart, chunks: range, chunk: int, stop: int) -> int:
    """One maker's chunks (each closed by an END); how it went, as _make_into says."""
    for c in chunks:
        code = _make_into(
            writer, functools.partial(make, part=slice(c * chunk, min((c + 1) * chunk, stop))), end=True
        )
        if code != _DONE:
            return code
    return _DONE


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


def _lower_priority(nice: int) -> None:
    """This process (and the ones it forks) at ``nice`` steps lower a priority (if allowed)."""
    if nice > 0:
        try:
            os.nice(nice)
        except OSError as e:
            log.debug("the maker keeps its priority: %s", e)


def _enlarge(writer: Connection) -> None:
    """Give the pipe a buffer of :data:`PIPE_BYTES` (Linux; elsewhere, or if refused, as it is)."""
    try:
        fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError) as e:
        log.debug("the maker's pipe keeps its buffer: %s", e)
