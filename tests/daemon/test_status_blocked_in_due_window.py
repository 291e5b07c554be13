"""`digest status` in a reader's due window, after the daemon's pass: a reader the daemon does not
serve (suppressed, unsubscribed, paused) is said to be so, not to wait for papers to match."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.ticks import tick

from digest.daemon.status import collect_status, format_status
from digest.deliver.suppressions import Suppressions
from digest.demo.http_server import LocalHttpServer, Route
from digest.store import Store

pytestmark = pytest.mark.backends  # the tests that take a workspace run on SQLite and PostgreSQL

LISTING = (Path(__file__).parents[1] / "ingest" / "fixtures" / "arxiv_listing.rss").read_bytes()
FRI_0700 = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)  # the listing's day
RSS = "sources:\n  - kind: arxiv_listing\n    categories: [cs.LG]\n    url: {base}/rss/{categories}\n"


def notes(ws, now: dt.datetime) -> dict[str, str]:
    """Each reader's note in the readers' table of `digest status` at ``now``."""
    lines = format_status(collect_status(ws.config, now)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("reader "))
    column = lines[start].index("note")
    table = lines[start + 1 : lines.index("", start)]
    return {line.split()[0]: line[column:] for line in table}


def test_readers_the_daemon_does_not_serve_are_said_so_in_their_due_window(mail_workspace):
    ws = mail_workspace
    for user, more in [("ada", ""), ("bob", ""), ("cy", "paused: true\n"), ("dee", "")]:
        ws.profile(user, f'email: {user}@example.org\ninterests: [volcanology]\nsend_at: "07:00"\n{more}')
    day_before = FRI_0700 - dt.timedelta(days=1)
    with Store(ws.config.database) as store:
        with store.transaction():  # as a 550 to bob's address the day before records it
            Suppressions(store).add("bob", "bob@example.org", "550 5.1.1 no such user", day_before)
        Suppressions(store).unsubscribe("dee", day_before)  # dee's page, their file unwritable
    with LocalHttpServer({"/rss/cs.LG": Route(LISTING)}) as server:
        ws.config_path.write_text(ws.config_path.read_text() + RSS.replace("{base}", server.url("")))
        tick(ws, FRI_0700 + dt.timedelta(minutes=1))  # fetched: nothing for ada matches yet

    in_window = notes(ws, FRI_0700 + dt.timedelta(minutes=6))
    assert in_window == {
        "ada": "due: nothing matched yet",
        "bob": "suppressed (hard bounce)",
        "cy": "paused",
        "dee": "unsubscribed (kept in the database)",
    }, in_window
    after = notes(ws, FRI_0700 + dt.timedelta(hours=5))
    assert {user: after[user] for user in ("bob", "cy", "dee")} == {
        user: in_window[user] for user in ("bob", "cy", "dee")
    }


def test_a_paused_reader_suppressed_too_is_said_suppressed(mail_workspace):
    """Unpausing a reader whose address bounced for good brings them no digest: the suppression is
    what holds them, said as it was before the due window's note came first (and counted among the
    readers needing attention, not the calm ones, past the table's size)."""
    ws = mail_workspace
    ws.profile("bob", 'email: bob@example.org\ninterests: [volcanology]\nsend_at: "07:00"\npaused: true\n')
    with Store(ws.config.database) as store, store.transaction():
        Suppressions(store).add(
            "bob", "bob@example.org", "550 5.1.1 no such user", FRI_0700 - dt.timedelta(days=1)
        )
    for hours in (0, 5):  # in the due window, and after it
        assert notes(ws, FRI_0700 + dt.timedelta(hours=hours, minutes=6))["bob"] == "suppressed (hard bounce)"
