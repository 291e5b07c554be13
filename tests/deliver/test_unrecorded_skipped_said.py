"""The note of digests the server accepted but the database could not record: each is recorded as
sent by the next pass, unless it is not queued any more. Of those that were not, `digest send -v`
said "3 digest(s) the server had accepted before delivery stopped (ada <ada@example.org>, bob
<bob@example.org>, cy <cy@example.org>) were recorded already: by another process ...", where only
ada's was: bob's was marked failed since (a later try, "550 5.1.1 no such user"), cy's row was not
in the outbox any more; and without -v nothing. Each is said as it is, the two not recorded as
warnings."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from digest.db import DatabaseUrl, shown
from digest.deliver.accepted import record_accepted
from digest.deliver.outbox import FAILED, SENT, Outbox
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends

AT = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)


def test_digests_accepted_then_failed_or_gone_are_not_said_recorded(tmp_path, database, caplog):
    at = DatabaseUrl(database, tmp_path) if database.startswith("postgresql") else tmp_path / database
    with Store(at) as store:
        ids = {}
        with store.transaction():
            for user in ("ada", "bob", "cy"):
                ids[user] = Outbox(store).enqueue(
                    user=user, recipient=f"{user}@example.org", message_id=f"<{user}@example.org>",
                    subject="digest", mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=NOW,
                )  # fmt: skip
        note = Unrecorded(at)
        note.lasting = True
        assert note.add([Accepted(ids[u], u, f"{u}@example.org", "250 OK", AT) for u in ids])
        with store.transaction() as db:  # since: ada's recorded, bob's tried again and failed, cy's row gone
            db.execute(
                "UPDATE outbox SET status = ?, sent_at = ? WHERE id = ?", (SENT, AT.isoformat(), ids["ada"])
            )
            db.execute(
                "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
                (FAILED, "550 5.1.1 no such user", ids["bob"]),
            )
            db.execute("DELETE FROM outbox_mime WHERE outbox_id = ?", (ids["cy"],))
            db.execute("DELETE FROM outbox WHERE id = ?", (ids["cy"],))
        caplog.set_level(logging.INFO, logger="digest.deliver.unrecorded")
        record_accepted(Outbox(store), Unrecorded(at), sending=False)  # the next `digest send`
        assert Outbox(store).get(ids["bob"]).status == FAILED  # left as it is
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert not any("(ada <ada@example.org>, bob" in m for _, m in said), (
        said
    )  # was: all three "recorded already"
    assert said == [
        (
            "WARNING",
            "the server accepted the digest to bob <bob@example.org> at 2026-03-14 07:30:00 UTC "
            "(250 OK), but the outbox has it failed since (550 5.1.1 no such user): left failed, so "
            "`digest status` lists it failed though it was delivered",
        ),
        (
            "WARNING",
            f"1 digest the server accepted (cy <cy@example.org>) is not in the outbox of {shown(at)} "
            "any more (not there, or another message at its number): nothing recorded of it (was the "
            "database replaced, or restored from a copy older than it?)",
        ),
        (
            "INFO",
            "1 digest the server had accepted before delivery stopped (ada <ada@example.org>) was "
            "recorded already: by another process that reads the same note (`digest send`, another "
            "worker), or by the halted pass itself at its end",
        ),
    ]
