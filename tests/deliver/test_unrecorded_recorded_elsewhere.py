"""The note of digests the server accepted but the database could not record, kept by every process
of one config folder: a `digest send` run while the workers were halted by a database restart
recorded the workers' notes ("recorded 2 digest(s) ..."), and each worker's next pass then said
"recorded 1 digest the server had accepted before delivery stopped" of a digest already recorded
(from its memory): four recordings said of two digests."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from digest.db import DatabaseUrl
from digest.deliver.accepted import record_accepted
from digest.deliver.outbox import SENT, Outbox
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends

AT = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)


def test_a_worker_says_a_digest_another_process_recorded_was_recorded_already(tmp_path, database, caplog):
    at = DatabaseUrl(database, tmp_path) if database.startswith("postgresql") else tmp_path / database
    with Store(at) as store:
        with store.transaction():
            ada = Outbox(store).enqueue(
                user="ada", recipient="ada@example.org", message_id="<ada@example.org>",
                subject="digest", mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=NOW,
            )  # fmt: skip
        worker, send = Unrecorded(at), Unrecorded(at)  # two processes of one config folder
        worker.lasting = True
        assert worker.add([Accepted(ada, "ada", "ada@example.org", "250 OK", AT)])
        caplog.set_level(logging.INFO, logger="digest.deliver.unrecorded")
        record_accepted(Outbox(store), send, sending=False)  # `digest send`, the database back
        assert Outbox(store).get(ada).status == SENT
        said_by_send = [r.getMessage() for r in caplog.records]
        caplog.clear()
        record_accepted(Outbox(store), worker, sending=False)  # the worker's next pass
        said = [r.getMessage() for r in caplog.records]
        assert worker.entries() == []
    assert said_by_send == ["recorded 1 digest the server had accepted before delivery stopped"]
    assert not any(line.startswith("recorded 1") for line in said), said  # was: "recorded 1 digest(s) ..."
    assert said == [
        "1 digest the server had accepted before delivery stopped (ada <ada@example.org>) was "
        "recorded already: by another process that reads the same note (`digest send`, another worker), "
        "or by the halted pass itself at its end"
    ]
