"""The daemon fetches its sources before the readers' send times, then sends what matched,
each paper once however many sources brought it; `status` tells why a reader got nothing."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.ticks import tick

from digest.config import SourceConfig
from digest.daemon.fetching import is_due, latest_fetch_moment
from digest.daemon.fetching import window as fetch_window
from digest.daemon.status import collect_status, format_status
from digest.demo.http_server import LocalHttpServer, Route, one_page
from digest.ingest.fetch import FAILED as FETCH_FAILED
from digest.ingest.fetch_records import FetchRecord
from digest.models import Profile

from conftest import a_minute_ago, make_dump

pytestmark = pytest.mark.backends  # the tests that take a workspace run on SQLite and PostgreSQL

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
FRI = dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)
HF = "  - kind: hf_daily\n    day: today\n    url: {base}/api/daily_papers?date={date}\n"
RSS = "  - kind: arxiv_listing\n    categories: [cs.LG]\n    url: {base}/rss/{categories}\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def setup(ws, server: LocalHttpServer, *sources: str) -> None:
    text = ws.config_path.read_text() + "sources:\n" + "".join(sources)
    ws.config_path.write_text(text.replace("{base}", server.url("")))
    ws.profile("ada", 'email: ada@example.org\ninterests: [curriculum, adapters]\nsend_at: "07:30"\n')


def reader(user: str = "ada", send_at: dt.time = dt.time(7, 30), tz: str = "Europe/London") -> Profile:
    return Profile(user=user, email=f"{user}@example.org", interests=(), send_at=send_at, timezone=tz)


def test_sources_are_fetched_an_hour_before_the_first_send_time_by_default():
    source = SourceConfig("hf", "hf_daily", "https://example.org/")
    readers = [reader(), reader("kurt", dt.time(6, 45), "Asia/Tokyo")]
    at = latest_fetch_moment(source, readers, "UTC", FRI.replace(hour=6, minute=40))
    assert at == FRI.replace(hour=6, minute=30)  # 07:30 in London, less an hour
    # Tokyo's 06:45 is 21:45 UTC the day before: its fetch came at 20:45
    at = latest_fetch_moment(source, readers, "UTC", FRI.replace(hour=0))
    assert at == FRI.replace(hour=0) - dt.timedelta(hours=3, minutes=15)


def test_when_times_are_read_in_the_configs_time_zone():
    source = SourceConfig("hf", "hf_daily", "https://example.org/", when=(dt.time(5, 0),))
    at = latest_fetch_moment(source, [], "America/New_York", FRI.replace(hour=12))
    assert at == FRI.replace(hour=10)  # 05:00 in New York


def test_a_failed_fetch_at_a_when_time_is_retried_until_the_next_one():
    source = SourceConfig("hf", "hf_daily", "https://example.org/", when=(dt.time(6, 0),))
    failed = FetchRecord("hf", "https://example.org/", FRI.replace(hour=6), FETCH_FAILED, "503", None)
    moment = latest_fetch_moment(source, [], "UTC", FRI.replace(hour=12))
    window = fetch_window(source, dt.timedelta(minutes=10))  # whatever the readers' grace
    times = [FRI.replace(hour=6, minute=10), FRI.replace(hour=6, minute=15), FRI.replace(hour=23)]
    assert [is_due(moment, failed, t, window) for t in times] == [False, True, True]


def test_the_daemon_fetches_before_the_send_time_and_sends_a_paper_from_two_sources_once(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    routes = {
        "/api/daily_papers": one_page(Route(fixture("hf_daily.json"))),
        "/rss/cs.LG": Route(fixture("arxiv_listing.rss")),
    }
    with LocalHttpServer(routes) as server:
        setup(ws, server, HF, RSS)
        first = tick(ws, FRI.replace(hour=6, minute=10))  # a first start catches up at once
        assert [(f.source, f.outcome) for f in first.fetched] == [
            ("hf_daily", "listing"),
            ("arxiv-cs.LG", "listing"),
        ]
        assert server.requests[0].path == "/api/daily_papers?date=2026-11-27&limit=100&p=0"
        assert tick(ws, FRI.replace(hour=6, minute=20)).fetched == ()  # 06:30 has not come
        assert len(tick(ws, FRI.replace(hour=6, minute=35)).fetched) == 2  # an hour before 07:30
        assert tick(ws, FRI.replace(hour=6, minute=50)).fetched == ()  # done for this send time
        assert len(server.requests) == 6  # twice the day's page and the empty one after it, and the feed
        tick(ws, FRI.replace(hour=7, minute=31))
    (mail,) = smtp_server.messages
    text = mail.message.get_body(("plain",)).get_content()
    assert text.count("Gradient Noise as a Compass for Curriculum Design") == 1
    assert "Quiet Channels: Low-Rank Adapters That Forget Gracefully" in text
    assert "https://arxiv.org/abs/2611.01002" in text


def test_a_failed_fetch_is_retried_after_a_while_and_status_says_it_failed(mail_workspace):
    ws = mail_workspace
    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=503)}) as server:
        setup(ws, server, HF.replace("day: today", "retries: 0"))
        tick(ws, FRI.replace(hour=6, minute=35))
        assert tick(ws, FRI.replace(hour=6, minute=40)).fetched == ()  # not hammered every poll
        assert len(tick(ws, FRI.replace(hour=6, minute=51)).fetched) == 1  # 15 minutes later
        text = format_status(collect_status(ws.config, FRI.replace(hour=7, minute=40)))
    assert "Source hf_daily: FETCH FAILED" in text and "HTTP 503" in text
    assert "waiting: fetch failed" in text


def test_a_reader_waiting_on_two_failed_sources_is_told_both_not_a_detail_cut_short(mail_workspace):
    """The user saw 'waiting: fetch failed (hf_daily: https://...: cannot connect: ... no network
    or)': the first source's detail cut at 200 characters, the second source not named."""
    ws = mail_workspace
    down = Route(b"down " * 100, status=503)
    with LocalHttpServer({"/api/daily_papers": down, "/rss/cs.LG": down}) as server:
        setup(ws, server, HF.replace("day: today", "retries: 0"), RSS + "    retries: 0\n")
        tick(ws, FRI.replace(hour=6, minute=35))
        text = format_status(collect_status(ws.config, FRI.replace(hour=7, minute=40)))
    (line,) = [x for x in text.splitlines() if x.startswith("ada ")]
    assert line.endswith("waiting: fetch failed (hf_daily, arxiv-cs.LG: see their Source lines above)"), line
    assert "Source hf_daily: FETCH FAILED" in text and "Source arxiv-cs.LG: FETCH FAILED" in text


def test_a_listing_not_out_yet_is_asked_for_again_and_reaches_the_readers_that_morning(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    empty = Route(b"[]", etag='"empty"')  # asked too early: nothing listed yet (then 304s)
    later = Route(fixture("hf_daily.json"), etag='"full"')
    with LocalHttpServer({"/api/daily_papers": one_page(empty, empty, empty, later)}) as server:
        setup(ws, server, HF)
        assert [f.outcome for f in tick(ws, FRI.replace(hour=6, minute=30)).fetched] == ["empty"]
        assert tick(ws, FRI.replace(hour=6, minute=45)).fetched == ()  # not asked at every poll
        (again,) = tick(ws, FRI.replace(hour=7, minute=0)).fetched  # half an hour later
        assert again.outcome == "empty"
        assert again.detail == "still no papers: not modified since the last fetch"
        assert server.requests[-2].headers.get("If-None-Match") == '"empty"'  # a conditional request
        assert server.requests[-1].path.endswith("&p=1")  # and the day still fits in its page
        assert len(tick(ws, FRI.replace(hour=7, minute=31)).fetched) == 1  # still nothing at the send time
        assert smtp_server.messages == []  # the reader waits (the grace period)
        (found,) = tick(ws, FRI.replace(hour=8, minute=1)).fetched
        assert found.outcome == "listing" and found.new_papers > 0
        tick(ws, FRI.replace(hour=8, minute=2))
        assert len(smtp_server.messages) == 1  # within the grace period, that morning
        assert tick(ws, FRI.replace(hour=8, minute=40)).fetched == ()  # fetched: done for the day
    text = smtp_server.messages[0].message.get_body(("plain",)).get_content()
    assert "Gradient Noise as a Compass for Curriculum Design" in text


def test_a_failure_between_two_empty_answers_neither_stops_the_retries_nor_hides_the_emptiness(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    empty, down = Route(b"[]", etag='"empty"'), Route(b"down", status=503)
    full = Route(fixture("hf_daily.json"), etag='"full"')
    with LocalHttpServer({"/api/daily_papers": [empty, down, empty, full]}) as server:
        setup(ws, server, HF.replace("day: today", "day: today\n    retries: 0"))
        outcomes = []
        for hour, minute in ((6, 30), (7, 0), (7, 15), (7, 31), (8, 1), (8, 31)):
            outcomes += [f.outcome for f in tick(ws, FRI.replace(hour=hour, minute=minute)).fetched]
        assert outcomes == ["empty", "failed", "empty", "listing"]  # 15 min after the failure, then 30
        assert "If-None-Match" not in server.requests[2].headers  # asked afresh after the failure
    assert len(smtp_server.messages) == 1  # the listing reached the reader that morning


def test_an_empty_listing_is_asked_for_again_only_within_the_grace_period(mail_workspace):
    ws = mail_workspace
    with LocalHttpServer({"/api/daily_papers": Route(b"[]", etag='"empty"')}) as server:
        setup(ws, server, HF)  # fetched at 06:30 for a reader's 07:30, who may wait 4 hours
        start = FRI.replace(hour=6, minute=30)
        asked = [len(tick(ws, start + dt.timedelta(minutes=m)).fetched) for m in range(0, 360, 10)]
    assert sum(asked) == 11 and asked[:4] == [1, 0, 0, 1]  # 06:30, then every 30 minutes to 11:30


def test_a_source_serving_a_bad_document_is_retried_while_readers_wait_and_the_document_kept_once(
    mail_workspace,
):
    ws = mail_workspace
    with LocalHttpServer({"/api/daily_papers": Route(b"{not json")}) as server:
        setup(ws, server, HF)  # fetched at 06:30 for a reader's 07:30, who may wait 4 hours
        start, outcomes = FRI.replace(hour=6, minute=30), []
        for minutes in range(0, 7 * 60, 15):
            outcomes += tick(ws, start + dt.timedelta(minutes=minutes)).fetched
    assert len(outcomes) == 21  # 06:30, then every 15 minutes to 11:30, then no more that day
    failed = ws.root / "inbox" / "failed"
    (kept,) = [p for p in failed.iterdir() if not p.name.endswith(".error.txt")]
    assert kept.read_bytes() == b"{not json"
    assert all(str(kept) in o.detail and o.saved == kept for o in outcomes)  # where it is now
    assert "(the same document as" not in (failed / f"{kept.name}.error.txt").read_text()


@pytest.mark.sqlite_only  # starts again by deleting the database file
def test_status_tells_no_listing_today_from_nothing_matched(mail_workspace):
    ws = mail_workspace
    with LocalHttpServer({"/rss/cs.LG": Route(fixture("arxiv_weekend.rss"))}) as server:
        setup(ws, server, RSS)
        tick(ws, FRI.replace(hour=6, minute=35))
        text = format_status(collect_status(ws.config, FRI.replace(hour=7, minute=40)))
    assert "Source arxiv-cs.LG: no listing (nothing new)" in text
    assert "no listing today (weekend or holiday)" in text

    ws2_routes = {"/rss/cs.LG": Route(fixture("arxiv_listing.rss"))}
    with LocalHttpServer(ws2_routes) as server:
        ws.config_path.write_text(ws.config_path.read_text().split("sources:")[0])
        (ws.root / "digest.db").unlink()
        setup(ws, server, RSS)
        ws.profile("ada", 'email: ada@example.org\ninterests: [volcanology]\nsend_at: "07:30"\n')
        tick(ws, FRI.replace(hour=6, minute=35))
        tick(ws, FRI.replace(hour=7, minute=31))
        text = format_status(collect_status(ws.config, FRI.replace(hour=7, minute=40)))
    assert "Source arxiv-cs.LG: fetched" in text and "due: nothing matched yet" in text


def test_a_due_reader_whose_sources_no_pass_fetched_is_due_now_not_said_to_match_nothing(workspace):
    # a new user's first `digest status` (config.example.yaml's sources, a dump ingested, no
    # daemon yet): "10 papers at ... 07:30  due: nothing matched yet", though ten papers match
    ws = workspace
    ws.config_path.write_text(
        ws.config_path.read_text() + "sources:\n" + HF.replace("{base}", "http://127.0.0.1:9")
    )
    ws.profile("ada", 'email: ada@example.org\ninterests: [curriculum]\nsend_at: "07:30"\n')
    ws.dump("day.txt", make_dump("Nov 26", [("Curriculum learning", "A curriculum for agents.")]))
    assert ws.cli("ingest").exit_code == 0
    (line,) = [
        x
        for x in format_status(collect_status(ws.config, FRI.replace(hour=9))).splitlines()
        if x.startswith("ada ")
    ]
    assert "1 paper at 2026-11-27 07:30 UTC" in line and line.endswith("due now"), line


def test_a_server_asking_for_a_longer_wait_than_a_fetch_takes_is_asked_again_only_after_it(mail_workspace):
    ws = mail_workspace
    busy = Route(b"slow down", status=429, headers={"Retry-After": "3600"})
    with LocalHttpServer({"/api/daily_papers": busy}) as server:
        setup(ws, server, HF)
        asked = [FRI.replace(hour=6, minute=30) + dt.timedelta(minutes=m) for m in range(0, 150, 5)]
        fetched = [t for t in asked if tick(ws, t).fetched]
        text = format_status(collect_status(ws.config, FRI.replace(hour=8, minute=40)))
    assert fetched == [FRI.replace(hour=h, minute=30) for h in (6, 7, 8)]  # hourly, not every 15 minutes
    assert len(server.requests) == 3  # and no retry within a fetch: an hour is longer than a fetch waits
    assert "the server asks to wait 3600 s" in text
    assert "the server asked not to be asked before 2026-11-27 09:30 UTC" in text


def test_status_says_the_fetch_failed_for_a_send_time_just_after_midnight(mail_workspace):
    ws = mail_workspace
    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=503)}) as server:
        setup(ws, server, HF.replace("day: today", "retries: 0"))
        ws.profile("ada", 'email: ada@example.org\ninterests: [curriculum]\nsend_at: "00:10"\n')
        evening = FRI.replace(hour=23, minute=14)  # an hour before 00:10, and every 15 minutes since
        for minutes in (0, 15, 30, 45):
            assert len(tick(ws, evening + dt.timedelta(minutes=minutes)).fetched) == 1
        # 00:12 on Saturday: the last attempt (23:59 on Friday) failed, the next is at 00:14
        text = format_status(collect_status(ws.config, FRI.replace(day=28, hour=0, minute=12)))
    assert "waiting: fetch failed (hf_daily: see its Source line above)" in text
    assert "nothing matched yet" not in text


def test_run_once_says_a_document_it_cannot_read_once_and_the_daemons_log_keeps_its_warnings(
    workspace, caplog
):
    """`digest run --once` said a fetched document it could not read twice: a WARNING on stderr
    and its line on stdout (a dump in the inbox that it rejected, likewise). As `digest fetch`,
    it says each once, in its line (a rejected dump's on stderr, as `digest ingest` says it;
    stderr keeps the pass's INFO events too); the long-running
    daemon, whose log is all it says, still logs both warnings."""
    from digest.daemon.service import Daemon

    ws = workspace
    every_day = (
        "  - kind: hf_daily\n    name: {name}\n    url: {base}/api/daily_papers\n    when: ['00:00']\n"
    )
    with LocalHttpServer({"/api/daily_papers": Route(fixture("malformed.json"))}) as server:
        plain = ws.config_path.read_text()
        ws.config_path.write_text(plain + "sources:\n" + every_day.format(name="hf", base=server.url("")))
        ws.dump("bad.txt", "not a listing\n")
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run", "--once"]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        (fetched,) = [line for line in done.stderr.splitlines() if line.startswith("fetched hf: failed: ")]
        (rejected,) = [line for line in done.stderr.splitlines() if line.startswith("rejected: ")]
        assert "bad.txt:1: " in rejected, rejected  # on stderr, as `digest ingest` says it
        assert "not valid JSON" in fetched and "not a listing dump" in rejected
        assert "WARNING" not in done.stderr, done.stderr
        assert done.stderr.count("not a listing dump") == 1 and "rejected" not in done.stdout

        # the daemon (a source it has not fetched yet, another bad dump): said in its log
        another = every_day.format(name="hf2", base=server.url("")).replace(
            "daily_papers", "daily_papers?v=2"
        )
        ws.config_path.write_text(plain + "sources:\n" + another)  # not hf renamed: another url
        ws.dump("bad2.txt", "not a listing either\n")
        daemon = Daemon(ws.config, clock=lambda: dt.datetime.now(dt.UTC))
        with caplog.at_level(logging.INFO, logger="digest"):
            daemon.tick()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(w.startswith("fetched from hf2 ") and "not valid JSON" in w for w in warned), warned
    assert any(w.startswith("rejected: ") and "bad2.txt" in w for w in warned), warned


def test_run_once_sends_the_digest_of_what_it_has_and_exits_3_when_a_source_could_not_be_fetched(
    mail_workspace, smtp_server
):
    """`digest run --once` exited 0 after a source's server answered 500 (`digest fetch` exits 1),
    so a cron job saw nothing wrong. The pass still serves the readers from what it has (a dump
    in the inbox here), and the exit code, 3, says that a fetch failed (1 stays for a reader not
    served or an inbox that cannot be used)."""
    ws = mail_workspace
    now = dt.datetime.now(dt.UTC)
    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=500)}) as server:
        every_day = f"  - kind: hf_daily\n    url: {server.url('')}/api/daily_papers\n    when: ['00:00']\n"
        ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + every_day + "    retries: 0\n")
        send_at = (now - dt.timedelta(minutes=2)).strftime("%H:%M")
        ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
        day = now.strftime("%b %d")
        ws.dump("d1.txt", make_dump(day, [("Neuromorphic Chips Today", "Spikes.")]), mtime=a_minute_ago())
        result = ws.cli("run", "--once")
        assert [r.path for r in server.requests] != []  # the source was asked (and answered 500)
    assert result.exit_code == 3, result.output
    assert "fetched hf_daily: failed: " in result.output and "500" in result.output
    (mail,) = smtp_server.messages  # the reader got the digest of the dump all the same
    assert "Neuromorphic Chips Today" in mail.message.get_body(("plain",)).get_content()


def test_run_once_exits_1_not_3_when_a_reader_also_got_nothing(mail_workspace, smtp_server):
    """Exit 1 (a reader got nothing: here a profile that cannot be read) keeps its meaning when a
    fetch failed in the same pass: it wins over 3, the more urgent of the two."""
    ws = mail_workspace
    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=500)}) as server:
        every_day = f"  - kind: hf_daily\n    url: {server.url('')}/api/daily_papers\n    when: ['00:00']\n"
        ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + every_day + "    retries: 0\n")
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic\n")  # YAML cut short
        result = ws.cli("run", "--once")
    assert "fetched hf_daily: failed: " in result.output and "profile skipped: " in result.output
    assert result.exit_code == 1, result.output


def test_a_source_gone_for_good_is_said_so_and_asked_again_at_its_next_time_not_every_15_minutes(
    mail_workspace,
):
    """A 410 Gone (the server says the address is gone for good) was retried every 15 minutes
    while the readers waited, like a 404 or a 503, and said only as "HTTP 410 Gone"."""
    ws = mail_workspace
    with LocalHttpServer({"/api/daily_papers": Route(b"gone", status=410)}) as server:
        setup(ws, server, HF)
        asked = [FRI.replace(hour=6, minute=30) + dt.timedelta(minutes=m) for m in range(0, 120, 5)]
        fetched = [t for t in asked if tick(ws, t).fetched]
        text = format_status(collect_status(ws.config, FRI.replace(hour=7, minute=40)))
        again = tick(ws, FRI.replace(hour=6, minute=30) + dt.timedelta(days=1)).fetched
    assert fetched == [FRI.replace(hour=6, minute=30)]  # was: 06:30, 06:45, ... every 15 minutes
    assert len(again) == 1  # at its next fetch time, the next morning
    assert "HTTP 410 Gone: the server says this address is gone for good" in text, text
    assert "the daemon asks again at the source's next fetch time, not every 15 minutes" in text, text
