"""An unsubscribe kept in the database (the profile file cannot be written: its folder read-only)
by a reader whose file was renamed since the last pass (ada.yaml now ada2.yaml, the same address)
carries ada over to ada2 first, as a rating of the page does (digest.web.carried): kept under
ada2 before it, the record would make ada2 a reader of her own, and ada's history (here the hard
bounce of her address) would stay under ada for good: once ada2 undoes the unsubscribe, her
digests would go to the refused address again.
Real parts: a real `digest serve` whose profiles folder is a read-only bind mount, the RFC 8058
one-click POST."""

from __future__ import annotations

import datetime as dt
import subprocess

from helpers.full_disk import ADA, DIGEST, READ_ONLY, posted_on_a_full_disk

from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import make_dump


def ada_bounced(ws) -> None:
    """ada's profile, a day ingested, her digest yesterday, then a hard bounce of her address."""
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [("Neural nets", "Deep.")]))
    assert subprocess.run([DIGEST, "--config", str(ws.config_path), "ingest"]).returncode == 0
    now = wall_clock()
    with Store(ws.config.database) as store, store.transaction():
        store.set_schedule_state("ada", (now - dt.timedelta(days=1)).date().isoformat(), now)
        Suppressions(store).add("ada", "ada@example.org", "550 5.1.1 no such user", now)


def test_a_one_click_unsubscribe_kept_in_the_database_carries_a_renamed_reader_over_first(web_workspace):
    ws = web_workspace
    ada_bounced(ws)
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada2.yaml")
    fields = {"List-Unsubscribe": "One-Click"}
    status, page, out = posted_on_a_full_disk(ws, "/unsubscribe", fields, script=READ_ONLY, user="ada2")
    assert status == 200, page + out
    # ada's history is ada2's now (the unsubscribe replaces the bounce it brought)
    with Store(ws.config.database) as store:
        assert [(s.user, s.kind) for s in Suppressions(store).all()] == [("ada2", "unsubscribe")], out
        assert store.schedule_state("ada") is None and store.schedule_state("ada2") is not None, out
