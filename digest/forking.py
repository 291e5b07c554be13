"""Work spread over forked processes, for a process that runs a single thread.

A forked child starts with the parent's memory (its modules, configuration and data) without
copying it: nothing to send to it but which part of the work is its own. Where forking is not
safe (another thread is running, whose locks a fork would copy in whatever state they are) or
not available, the work is done in the calling process, as it would be without this module.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def can_fork() -> bool:
    """Fork only a process with a single thread, on a system that has fork."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def leave_signals_to_parent() -> None:
    """In a forked child: Ctrl-C (SIGINT) is the parent's to take, and so is SIGTERM where the
    parent has a handler of its own (`digest send`, `run --once`: it stops after the message in
    flight, then closes the pipes, which ends the children). Ignored here, not handled: a handler
    inherited from the parent would act on this process's copy of the parent's state (its own
    "stopping" line, a second signal raised here as an error). Where the parent keeps SIGTERM's
    default, the child dies of it as the parent does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if callable(signal.getsignal(signal.SIGTERM)):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


PR_SET_PDEATHSIG = 1  # prctl(2)'s option: the signal this process gets when its parent ends


def die_with_parent(parent: int) -> None:
    """In a forked child that must not outlive ``parent`` (the pid that forked it): SIGKILL once
    ``parent`` ends, however it ends (killed too: Linux's PR_SET_PDEATHSIG). If ``parent`` ended
    already, before this was asked, this process ends now. Elsewhere, nothing changes. For a
    process forked by one running no other thread (the signal comes when the forking thread ends)."""
    prctl = getattr(_libc(), "prctl", None)
    if prctl is None or prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def release_free_memory() -> None:
    """Give the free memory inside the heap back to the system (glibc's ``malloc_trim``; a
    no-op elsewhere), before a fork: the pages of freed memory are then shared by no one, and
    whatever the parent makes there later does not leave the child a copy of the old page."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


@functools.cache
def _libc() -> Any:
    import ctypes  # here: only a process that forks needs it

    try:
        return ctypes.CDLL(None)  # the symbols already loaded in this process (the C library's)
    except OSError:
        return None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split_map(
    work: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    processes: int,
    dumps: Callable[[Any], bytes] = pickle.dumps,
) -> list[R]:
    """``work(items)``, computed in up to ``processes`` consecutive parts side by side: the
    first part here, each other one in a forked child that sends its results back pickled
    (``dumps``: how; they are read back with :func:`pickle.loads`). The results keep the
    items' order. A child that fails (an exception, a signal) leaves its part to be done
    here, so that what ``work`` raises is raised here, as without the children.

    ``work`` must return one result per item and leave no trace but its results (a child's
    other effects stay in the child)."""
    n = min(processes, len(items))
    if n <= 1 or not can_fork():
        return work(items)
    bounds = [len(items) * k // n for k in range(n + 1)]
    parts = [items[bounds[k] : bounds[k + 1]] for k in range(n)]
    context = multiprocessing.get_context("fork")
    children: list[tuple[Any, Connection]] = []
    for part in parts[1:]:
        reader, writer = context.Pipe(duplex=False)
        proc = context.Process(target=_child, args=(work, part, writer, reader, dumps), daemon=True)
        proc.start()
        writer.close()  # the child holds the only writing end: its end is the stream's
        children.append((proc, reader))
    try:
        results = work(parts[0])
        for part, (proc, reader) in zip(parts[1:], children, strict=True):
            try:
                done: list[R] = pickle.loads(reader.recv_bytes())  # noqa: S301 - our own child's bytes
            except (EOFError, OSError, pickle.UnpicklingError) as e:
                proc.join()
                log.info("a forked process stopped (exit %s, %s): its part is done here", proc.exitcode, e)
                done = work(part)
            results.extend(done)
        return results
    finally:
        for proc, reader in children:
            reader.close()  # a child still writing gets a broken pipe and ends
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()  # not SIGTERM: it may ignore that (leave_signals_to_parent)
                proc.join()


def _child(
    work: Callable[[Sequence[T]], list[R]],
    part: Sequence[T],
    writer: Connection,
    reader: Connection,
    dumps: Callable[[Any], bytes],
) -> None:
    leave_signals_to_parent()  # the parent stops (it closes the pipe, this ends)
    reader.close()
    data = dumps(work(part))  # an exception ends this process with a non-zero code: no bytes sent
    writer.send_bytes(data)
