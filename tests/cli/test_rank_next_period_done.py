"""`digest rank USER --next` of a reader whose digest of this period went already: the papers it
lists are those of their next digest, which `digest send` does not send now ("already sent today
at ..."), so it says so on stderr as `digest preview` does, and --json's stdout stays the JSON
array alone (a real SMTP server, the command line)."""

from __future__ import annotations

import datetime as dt
import json

from conftest import make_dump

PAPERS = [("Gardening Robots", "Robots that water plants.")]
MORE = [("Gardening Drones", "Drones that water plants.")]


def test_rank_next_after_this_periods_digest_says_these_are_the_next_ones_papers(mail_workspace, smtp_server):
    ws = mail_workspace
    today = dt.datetime.now(dt.UTC)
    day = f"{today:%b} {today.day}"
    ws.profile("bob", "email: bob@example.org\ninterests: [gardening]\nsend_at: '00:00'\n")
    ws.dump("day.txt", make_dump(day, PAPERS))
    assert ws.cli("ingest").exit_code == 0
    before = ws.cli("rank", "bob", "--next")
    assert "Gardening Robots" in before.stdout and before.stderr == ""  # today's is still to go

    assert ws.cli("send").exit_code == 0 and len(smtp_server.messages) == 1
    ws.dump("more.txt", make_dump(day, MORE))
    assert ws.cli("ingest").exit_code == 0
    ranked = ws.cli("rank", "bob", "--next")
    assert "Gardening Drones" in ranked.stdout
    again = ws.cli("send")
    assert "already sent today at" in again.output and len(smtp_server.messages) == 1  # not now
    tomorrow = (today + dt.timedelta(days=1)).date()
    assert "note: bob's digest of this period was already sent today at" in ranked.stderr, ranked.stderr
    assert (
        f"these are the papers of the next one, which the daemon sends on {tomorrow:%a %Y-%m-%d} at 00:00 UTC"
        in ranked.stderr
    ), ranked.stderr
    as_json = ws.cli("rank", "bob", "--next", "--json")
    assert [row["title"] for row in json.loads(as_json.stdout)] == ["Gardening Drones"]
    assert "note: bob's digest of this period was already sent" in as_json.stderr
