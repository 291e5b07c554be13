"""A pipe's frames read by a thread of their own, ahead of the caller, up to a bound."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from digest.deliver.readahead import ReadAhead

FRAME = 100_000  # bytes: a pipe (64 KiB to 1 MiB) holds at most ten of them


def pipe():
    return multiprocessing.get_context("fork").Pipe(duplex=False)


def write_in_a_thread(writer, frames: list[bytes]) -> threading.Event:
    """Write ``frames``, then close the writing end; the event is set once all were written."""
    written = threading.Event()

    def run() -> None:
        for frame in frames:
            writer.send_bytes(frame)
        writer.close()
        written.set()

    threading.Thread(target=run, daemon=True).start()
    return written


def frames(n: int) -> list[bytes]:
    return [bytes([i]) * FRAME for i in range(n)]


def test_the_frames_come_in_order_and_the_end_after_them():
    reader, writer = pipe()
    ahead = ReadAhead(reader)
    write_in_a_thread(writer, frames(5))
    assert [ahead.take() for _ in range(5)] == frames(5)
    with pytest.raises(EOFError):
        ahead.take()
    assert ahead.ready()  # the end is an answer too: taking does not wait for it
    assert ahead.close()


def test_the_writer_is_done_long_before_anything_is_taken():
    reader, writer = pipe()
    ahead = ReadAhead(reader)
    written = write_in_a_thread(writer, frames(100))  # 10 MB: far more than the pipe holds
    assert written.wait(30)
    assert ahead.ready()
    assert [ahead.take() for _ in range(100)] == frames(100)
    assert ahead.close()


def test_no_more_than_the_bound_is_read_ahead_and_taking_lets_the_writer_go_on():
    reader, writer = pipe()
    ahead = ReadAhead(reader, limit=5 * FRAME)
    written = write_in_a_thread(writer, frames(100))
    assert not written.wait(1)  # 5 frames held, the pipe full: the writer waits
    assert [ahead.take() for _ in range(100)] == frames(100)
    assert written.wait(30)
    assert ahead.close()


def test_closing_stops_the_thread_and_then_the_pipe_can_be_closed_under_a_writer():
    reader, writer = pipe()
    ahead = ReadAhead(reader, limit=5 * FRAME)
    broken = threading.Event()

    def run() -> None:
        try:
            for frame in frames(100):
                writer.send_bytes(frame)
        except BrokenPipeError:
            broken.set()

    threading.Thread(target=run, daemon=True).start()
    assert ahead.take() == frames(1)[0]
    assert ahead.close()  # the thread stopped: nothing reads the pipe any more
    reader.close()
    assert broken.wait(30)  # the writer learns that nobody reads
