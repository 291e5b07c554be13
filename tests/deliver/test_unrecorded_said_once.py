"""A full disk halting a pass on SQLite mid-way (its journal's batch of accepted digests could not
be recorded as the next messages were stored): the halt is said once. It was said twice at
CRITICAL, naming the same digests: the batch's commit said it (stop_delivery) and put the batch
back to be recorded at the pass's end (record_noted), whose commit failed and said it again."""

from __future__ import annotations

import logging

import pytest
from helpers.database_disk import FillingMailbox, small_disk
from helpers.unrecorded_outbox import fill, setup

from digest.deliver.delivery import STORE_BATCH, RateLimiter, deliver_due
from digest.deliver.outbox import SENT, Outbox
from digest.deliver.unrecorded import DeliveryHalted
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import NOW


def test_a_full_disk_halting_a_pass_mid_way_is_said_once_and_loses_nothing(tmp_path, caplog):
    readers = STORE_BATCH + 30  # the pass records a batch before its end
    with LocalSmtpServer() as server:
        ws, store = setup(tmp_path, server.port, readers=readers)
        fill(store)
        with pytest.raises(DeliveryHalted):
            deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=1)
        store.close()
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
        assert len(said) == 1, said  # was: 2, the same digests named twice
        assert said[0].startswith(  # was: "the digest to r0 <...>, r1 <...> ... but recording it in"
            "the server accepted the digests to r0 <r0@example.org>, r1 <r1@example.org>"
        )
        assert " but recording them in " in said[0] and "so that they will not be sent again" in said[0]
        assert "the next pass records them as sent and resumes" in said[0], said
        with Store(ws.config.database) as store:  # room again: the next pass records them, sends the rest
            deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=1)
            assert Outbox(store).counts()[SENT] == readers
    got = sorted(m.rcpt_tos[0] for m in server.handler.messages)
    assert got == sorted(f"r{i}@example.org" for i in range(readers))  # each once: none lost, none twice


def test_a_halt_of_the_journal_on_a_full_disk_is_said_once_though_its_end_cannot_record_either(
    tmp_path, caplog
):
    """The disk fills as r0's digest arrives: its line in the journal cannot be written (the halt,
    said), and the pass's end, trying once more to record it, fails too (the database full). That
    second failure said the halt again at CRITICAL, naming r0 with another cause."""
    with small_disk(tmp_path / "disk") as disk:
        box = FillingMailbox(disk)
        with LocalSmtpServer(box) as server:
            (disk / "ws").mkdir()
            ws, store = setup(disk / "ws", server.port, readers=3)
            fill(store)
            with pytest.raises(DeliveryHalted) as halted:
                deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=1)
            store.close()
            said = [r.getMessage() for r in caplog.records if "accepted the digest to r0" in r.getMessage()]
            assert len(said) == 1, said  # was: 2, the second "failed (...: the disk is full, 252 KiB free"
            assert "No space left on device)" in said[0] and str(halted.value) == said[0]
            (disk / "filler").unlink()  # room again: the next pass records r0 and sends the rest
            with Store(ws.config.database) as store:
                deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=1)
                assert Outbox(store).counts()[SENT] == 3
    assert sorted(m.rcpt_tos[0] for m in box.messages) == [f"r{i}@example.org" for i in range(3)]
