"""The stop that `digest send` and `run --once` take on Ctrl-C or SIGTERM (digest.cli.common):
taken whatever becomes of its note on stderr, and no obstacle where no signal can come."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from digest.cli.common import stop_on_signal


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
