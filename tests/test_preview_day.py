"""`digest preview --date DAY` shows the digest of DAY: a past day's as it was sent (from the
reader's history as it stood then, among the papers stored then), a day to come's as their
next digest; a day before any listing says so. Mail through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from digest.compose.preview import preview
from digest.daemon.sendnow import send_now
from digest.demo.smtp_server import Received
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\nmax_papers: 2\n'
TOKYO = ADA.replace('send_at: "07:30"', 'send_at: "07:30"\ntimezone: Asia/Tokyo')
DAYS = {  # listing day -> its papers; ingested at 06:00 UTC that day, digests sent at 07:30
    14: [("Neuromorphic Chips", "Spikes."), ("Neuromorphic Vision", "Events."), ("Soup", "Soup.")],
    15: [("Neuromorphic Audio", "A cochlea."), ("Neuromorphic Vision", "Events again.")],
    16: [("Neuromorphic Robots", "Spiking control."), ("Bread", "Baking.")],
}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def titles(digest) -> list[str]:
    return [m.paper.title for m in digest.matches]


def sent_titles(received: Received) -> list[str]:
    text = received.message.get_body(("plain",)).get_content()
    return [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line]


def live(ws: Workspace, days: list[int]) -> None:
    """Three days of the daemon's life: each day's listing ingested, then the digest sent."""
    for day in days:
        path = ws.dump(f"{day}.txt", make_dump(f"Mar {day}", DAYS[day]), where="dumps", mtime=at(day, 6))
        config = ws.config
        with Store(config.database) as store:
            ingest(store, [path], at(day, 6))
            send_now(config, store, load_profiles(config), None, at(day, 7, 30))


def test_the_preview_of_each_past_day_is_the_digest_sent_that_day(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    live(ws, [14, 15, 16])
    sent = [sent_titles(m) for m in smtp_server.messages]
    assert sent == [
        ["Neuromorphic Chips", "Neuromorphic Vision"],
        ["Neuromorphic Audio"],
        ["Neuromorphic Robots"],
    ]
    later = at(20, 9)
    for day, expected in zip((14, 15, 16), sent, strict=True):
        shown = preview(ws.config, "ada", later, up_to=dt.date(2026, 3, day)).digest
        assert titles(shown) == expected, day
        assert shown.day == dt.date(2026, 3, day)
    # the next day's digest is the reader's next one: nothing new after the 16th's
    assert titles(preview(ws.config, "ada", later, up_to=dt.date(2026, 3, 17)).digest) == []
    assert titles(preview(ws.config, "ada", later).digest) == []


def test_the_preview_of_a_day_whose_digest_was_made_before_later_listings_came_sees_only_its_own(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("ada", ADA)
    live(ws, [14])
    path = ws.dump("15.txt", make_dump("Mar 15", DAYS[15]), where="dumps", mtime=at(14, 20))
    with Store(ws.config.database) as store:  # the 15th's listing came in the evening of the 14th
        ingest(store, [path], at(14, 20))
    shown = preview(ws.config, "ada", at(14, 21), up_to=dt.date(2026, 3, 14)).digest
    assert (
        titles(shown) == sent_titles(smtp_server.messages[0]) == ["Neuromorphic Chips", "Neuromorphic Vision"]
    )
    assert titles(preview(ws.config, "ada", at(14, 21), up_to=dt.date(2026, 3, 15)).digest) == [
        "Neuromorphic Audio"
    ]


def test_the_day_is_the_readers_own(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", TOKYO)  # 07:30 in Tokyo is 22:30 UTC the day before
    live(ws, [14, 15])
    shown = preview(ws.config, "ada", at(20, 9), up_to=dt.date(2026, 3, 15)).digest
    assert titles(shown) == sent_titles(smtp_server.messages[1]) == ["Neuromorphic Audio"]


def test_preview_date_on_the_command_line(workspace):
    workspace.profile("ada", ADA)
    for day in (14, 15):  # saved that evening: a listing of 2026 whatever the year the test runs in
        workspace.dump(f"{day}.txt", make_dump(f"Mar {day}", DAYS[day]), mtime=at(day, 20))
        workspace.cli("ingest")
        assert workspace.cli("send", "--to-dir", str(workspace.root / "sent")).exit_code == 0
    past = workspace.cli("preview", "ada", "--text", "--date", "2026-03-14")
    assert past.exit_code == 0, past.output
    assert "Your research digest for Mar 14, 2026: 2 papers" in past.output
    assert "Neuromorphic Chips" in past.output and "Neuromorphic Audio" not in past.output
    before = workspace.cli("preview", "ada", "--text", "--date", "2026-03-13")
    assert before.exit_code == 0, before.output
    assert "note: no stored listing is dated on or before 2026-03-13." in before.output


def test_preview_date_at_either_end_of_the_calendar(workspace):
    workspace.profile("ada", TOKYO)  # east of UTC: the first day's midnight is before year 1 in UTC
    workspace.dump("14.txt", make_dump("Mar 14", DAYS[14]), mtime=at(14, 20))  # of 2026, in any year
    workspace.cli("ingest")
    last = workspace.cli("preview", "ada", "--text", "--date", "9999-12-31")
    assert last.exit_code == 0, last.output
    assert "Your research digest for Mar 14, 2026: 2 papers" in last.output
    first = workspace.cli("preview", "ada", "--text", "--date", "0001-01-01")
    assert first.exit_code == 0, first.output
    assert "note: no stored listing is dated on or before 0001-01-01." in first.output


def test_preview_date_that_is_not_a_day_says_so(workspace):
    workspace.profile("ada", ADA)
    no_such_day = workspace.cli("preview", "ada", "--text", "--date", "2026-02-30")
    assert no_such_day.exit_code == 2
    assert "'2026-02-30' is not a day of the calendar" in no_such_day.output
    not_a_date = workspace.cli("preview", "ada", "--text", "--date", "14.03.2026")
    assert not_a_date.exit_code == 2
    assert "'14.03.2026' is not a day: write it YYYY-MM-DD, e.g. 2026-03-14" in not_a_date.output
    assert "--date DAY" in workspace.cli("preview", "--help").output


OLD, NEW = "Sparse Lanterns for Streaming Retrieval", "Sparse Lanterns: Streaming Retrieval at Scale"
ABSTRACT = "We keep a sparse set of lantern vectors that light the way to the documents a query needs."
PAPER = {"id": "2603.04040", "title": OLD, "summary": ABSTRACT}
DAILY = json.dumps([{"paper": PAPER, "publishedAt": "2026-03-16T12:00:00Z"}])
QUERY = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><updated>2026-03-18T00:00:00-05:00</updated>
<entry><id>http://arxiv.org/abs/2603.04040v2</id><title>{NEW}</title><summary>{ABSTRACT}</summary></entry>
</feed>"""


def test_a_past_days_preview_shows_the_paper_it_sent_that_was_merged_since(mail_workspace, smtp_server):
    # the 17th's digest sent the paper under its new title (stored then without an id, a second
    # paper); a later listing showed the two to be one, merged into the copy sent on the 16th:
    # the 17th's preview showed nothing
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [lanterns]\nsend_at: "07:00"\n')
    config = ws.config
    listings = {
        16: ("daily.json", DAILY),  # the id with the first title
        17: ("trending.txt", make_dump("Mar 17", [(NEW, ABSTRACT)])),  # the new title, no id
        18: ("query.atom", QUERY),  # the id with the new title
    }
    for day, (name, text) in listings.items():
        with Store(config.database) as store:
            ingest(store, [ws.dump(name, text, where="dumps", mtime=at(day, 6))], at(day, 6))
            if day < 18:
                send_now(config, store, load_profiles(config), None, at(day, 7))
    assert [sent_titles(m) for m in smtp_server.messages] == [[OLD], [NEW]]
    with Store(config.database) as store:
        (paper,) = store.papers()  # one paper now, with the title it was stored under first
    later = at(20, 9)
    assert titles(preview(config, "ada", later, up_to=dt.date(2026, 3, 16)).digest) == [OLD]
    shown = preview(config, "ada", later, up_to=dt.date(2026, 3, 17)).digest
    assert [m.paper.id for m in shown.matches] == [paper.id]
    assert shown.day == dt.date(2026, 3, 17)


def test_a_day_to_come_whose_paper_was_merged_before_its_digest_is_the_next_digest(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [lanterns]\nsend_at: "07:00"\n')
    config = ws.config
    with Store(config.database) as store:
        ingest(store, [ws.dump("daily.json", DAILY, where="dumps", mtime=at(16, 6))], at(16, 6))
        send_now(config, store, load_profiles(config), None, at(16, 7))
        trending = ws.dump(
            "trending.txt",
            make_dump("Mar 17", [(NEW, ABSTRACT), ("Soup", "Soup.")]),
            where="dumps",
            mtime=at(17, 5),
        )
        ingest(store, [trending, ws.dump("query.atom", QUERY, where="dumps", mtime=at(17, 6))], at(17, 6))
    # the copy listed on the 17th is the paper sent on the 16th: not sent again, nor shown for the 17th
    assert titles(preview(config, "ada", at(17, 6, 30)).digest) == []
    assert titles(preview(config, "ada", at(17, 6, 30), up_to=dt.date(2026, 3, 17)).digest) == []
