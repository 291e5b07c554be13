"""The maker's records on the pipe: what goes in comes out, field for field, in order."""

from __future__ import annotations

import dataclasses
import datetime as dt

from digest.deliver.delivery import SendOutcome
from digest.deliver.frames import END, ERROR, FAILED, FRAME_BYTES, MESSAGE, Frame, records
from digest.deliver.outbox import NewMessage, pack


def test_a_message_with_every_field_set_comes_back_equal():
    mime = "Subject: Grüße\r\n\r\nbody\r\n".encode() * 100
    message = NewMessage(
        user="josé",
        recipient="josé@exämple.org",
        message_id="<digest.1.abc.jos-@example.org>",
        subject="Your digest: 10 papers — ünïcode",
        mime=mime,
        paper_ids=(1, 2, 2**40),
        period="2026-11-30",
        through=0,
        backstop=False,
        packed=pack(mime),
        window=(0, (1, 2**40)),  # where its digest's window started, what was carried into it
    )
    frame = Frame()
    frame.message(message)
    new_reader = dataclasses.replace(message, window=(None, ()))  # a new reader's: nothing before
    frame.message(new_reader)
    assert list(records(frame.take())) == [(MESSAGE, message), (MESSAGE, new_reader)]


def test_a_message_without_the_optional_fields_comes_back_equal():
    message = NewMessage("ann", "ann@example.org", "<m@x>", "", b"", ())
    frame = Frame()
    frame.message(message)
    [(kind, back)] = records(frame.take())
    assert back == message
    assert (back.period, back.through, back.packed, back.backstop, back.window) == (
        None,
        None,
        None,
        True,
        None,
    )


def test_failures_errors_and_the_end_keep_their_place_among_the_messages():
    failed = SendOutcome("bob", "bob@example.org", 3, "", False, "cannot build", dt.datetime(2026, 1, 1))
    frame = Frame()
    frame.message(NewMessage("ann", "a@x", "<1@x>", "S", b"A", (1,)))
    frame.failed(failed)
    frame.message(NewMessage("cy", "c@x", "<2@x>", "S", b"C", (2,)))
    frame.error("RuntimeError: boom")
    frame.end()
    kinds = [(kind, getattr(item, "user", item)) for kind, item in records(frame.take())]
    assert kinds == [
        (MESSAGE, "ann"), (FAILED, "bob"), (MESSAGE, "cy"), (ERROR, "RuntimeError: boom"), (END, None)
    ]  # fmt: skip


def test_a_frame_is_full_once_it_holds_enough_bytes_and_empty_after_it_is_taken():
    frame = Frame()
    frame.message(NewMessage("ann", "a@x", "<1@x>", "S", b"x" * (FRAME_BYTES // 2), (1,)))
    assert not frame.full
    frame.message(NewMessage("bob", "b@x", "<2@x>", "S", b"y" * (FRAME_BYTES // 2), (2,)))
    assert frame.full
    assert len(list(records(frame.take()))) == 2
    assert frame.take() == b"" and not frame.full
