"""The file transport: one .eml file per message, written whole or not at all."""

from __future__ import annotations

from digest.deliver.transports import Envelope, FileSender


def envelope(token: str, data: bytes) -> Envelope:
    return Envelope(f"<{token}@example.org>", "ada", "digest@example.org", "ada@example.org", data)


def test_each_message_becomes_one_file_named_by_its_message_id(tmp_path):
    sender = FileSender(tmp_path / "mail")  # the folder is made on the first message
    result = sender.send(envelope("m1", b"Subject: one\r\n\r\nbody\r\n"))
    assert result.ok and result.reply.endswith("m1.eml")
    assert (tmp_path / "mail" / "m1.eml").read_bytes() == b"Subject: one\r\n\r\nbody\r\n"
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["m1.eml"]  # no temporary file left


def test_a_half_written_file_of_a_killed_run_is_replaced_whole(tmp_path):
    (tmp_path / ".m1.eml.tmp").write_bytes(b"Subject: one\r\n\r\nbo")  # the run was killed mid-write
    assert FileSender(tmp_path).send(envelope("m1", b"x" * 100_000)).ok
    assert (tmp_path / "m1.eml").read_bytes() == b"x" * 100_000
    assert not (tmp_path / ".m1.eml.tmp").exists()


def test_a_folder_that_cannot_be_written_is_a_passing_failure_not_a_crash(tmp_path):
    (tmp_path / "mail").write_text("a file where the folder should be")
    result = FileSender(tmp_path / "mail").send(envelope("m1", b"data"))
    assert not result.ok and not result.permanent and "cannot write" in result.reply
