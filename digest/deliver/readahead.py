"""The maker's frames taken from its pipe by a thread of their own, well ahead of the sending.

The pipe's buffer (1 MiB where the system allows: about 20 messages) is all the lead a maker
would otherwise have over the connections, and it is too short. The maker runs at a lower
priority, and each of its parts starts with cold caches (digest.deliver.ahead), so it gets
its turns in bursts: it waits on a full pipe while the cores are free, then falls behind
while they are busy. Measured in `benchmarks/bench_send.py`'s set-up (10,000 readers, 4
connections), the maker waited on a full pipe for 2.1-2.5 s of the send, and the calling thread
waited on an empty one for 0.8-2 s.

:class:`ReadAhead` banks those bursts. A thread takes each frame as soon as it is written, up
to :data:`AHEAD_BYTES` held in memory (about 300 messages), and the caller takes them from
there. The thread waits in the pipe's read, without the interpreter's lock, so it costs the
sending threads nothing while it waits.
"""

from __future__ import annotations

import collections
import logging
import threading
from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

AHEAD_BYTES = 16 << 20  # frames held ahead of the caller, at most (a message is ~50 KB)
POLL = 0.1  # s: how soon the thread sees that it is to stop, when no frame comes
CLOSE_WAIT = 5.0  # s: how long close() waits for a thread that is inside a frame


class ReadAhead:
    """The frames of ``reader``, read by a thread started here, at most ``limit`` bytes ahead."""

    def __init__(self, reader: Connection, limit: int = AHEAD_BYTES) -> None:
        self.reader, self.limit = reader, limit
        self._frames: collections.deque[bytes] = collections.deque()
        self._held = 0  # bytes in _frames
        self._ended: BaseException | None = None  # EOFError (no writer left) or the read's OSError
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read_all, name="digest-read-ahead", daemon=True)
        self._thread.start()

    def ready(self) -> bool:
        """Would :meth:`take` answer at once (a frame, or the stream's end)?"""
        return bool(self._frames) or self._ended is not None

    def take(self) -> bytes:
        """The next frame, waiting for it; EOFError once the stream ended without one."""
        with self._changed:
            while not self._frames and self._ended is None:
                self._changed.wait()
            if not self._frames:
                raise EOFError("the writing end closed") from self._ended
            frame = self._frames.popleft()
            self._held -= len(frame)
            self._changed.notify_all()
            return frame

    def close(self) -> bool:
        """Stop the thread and wait for it. False if it is still inside a frame after
        :data:`CLOSE_WAIT` (its writer stopped halfway): then the pipe must stay open, since
        closing it under the thread's read could give its number to another file."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join(CLOSE_WAIT)
        if self._thread.is_alive():
            log.warning("the maker's pipe is left open: its reader still waits inside a frame")
            return False
        return True

    def _read_all(self) -> None:
        try:
            while True:
                with self._changed:
                    while self._held >= self.limit and not self._closing:
                        self._changed.wait()
                    if self._closing:
                        return
                if not self.reader.poll(POLL):  # a bounded wait: close() is seen within it
                    continue
                frame = self.reader.recv_bytes()
                with self._changed:
                    self._frames.append(frame)
                    self._held += len(frame)
                    self._changed.notify_all()
        except (EOFError, OSError) as e:
            with self._changed:
                self._ended = e
                self._changed.notify_all()
