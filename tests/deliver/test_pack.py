"""The outbox keeps a message's bytes as an LZ4 frame, and still reads the zlib streams it kept before."""

from __future__ import annotations

import zlib

import lz4.frame
import pytest

from digest.deliver.outbox import Outbox, pack, unpack
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL

MESSAGE = (
    b"Subject: Your research digest\r\n\r\n"
    + b"".join(
        b'<p class="abstract" style="font-size:14px">Paper %d, spiking networks</p>\r\n' % i
        for i in range(300)
    )
    + bytes(range(256))
)


def test_a_message_is_kept_as_an_lz4_frame_that_gives_back_the_same_bytes():
    packed = pack(MESSAGE)
    assert packed[:4] == b"\x04\x22\x4d\x18"  # the LZ4 frame format's magic number
    assert len(packed) * 4 < len(MESSAGE)
    assert lz4.frame.decompress(packed) == MESSAGE  # a standard frame: any LZ4 tool reads it
    assert unpack(packed, True) == MESSAGE


def test_zlib_streams_from_before_and_unpacked_bytes_read_back_as_they_were():
    for level in (1, 6, 9):
        assert unpack(zlib.compress(MESSAGE, level), True) == MESSAGE
    assert unpack(MESSAGE, False) == MESSAGE
    assert unpack(pack(b""), True) == b""


def test_a_damaged_frame_is_refused_rather_than_sent():
    packed = bytearray(pack(MESSAGE))
    packed[len(packed) // 2] ^= 0xFF
    with pytest.raises(RuntimeError):  # lz4's error for a frame that fails its checksum or decoding
        unpack(bytes(packed), True)


def test_the_outbox_reads_both_codecs_from_the_database(db_at):
    with Store(db_at) as store:
        outbox = Outbox(store)
        with store.transaction():
            rows = [
                outbox.enqueue(
                    user="ada", recipient="ada@example.org", message_id=f"<m{i}@example.org>",
                    subject="S", mime=MESSAGE, paper_ids=(), now=NOW,
                )
                for i in range(2)
            ]  # fmt: skip
            # the first as the outbox stored it before LZ4 (schema version 10 and 11: zlib, packed = 1)
            store.db.execute(
                "UPDATE outbox_mime SET mime = ? WHERE outbox_id = ?", (zlib.compress(MESSAGE, 1), rows[0])
            )
        stored = [
            store.db.execute("SELECT mime FROM outbox_mime WHERE outbox_id = ?", (row,)).fetchone()[0]
            for row in rows
        ]
        assert bytes(stored[0])[:1] == b"\x78" and bytes(stored[1])[:4] == b"\x04\x22\x4d\x18"
        assert [outbox.get(row).mime for row in rows] == [MESSAGE, MESSAGE]
