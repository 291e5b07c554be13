"""One unreadable item in a fetched feed: the good papers are stored, the bad one is left out
and named (the log, the fetch record, `digest fetch` and `digest status`); the same document
dropped in the inbox is refused whole, as a dump is."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys

import pytest

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.fetch import FAILED, LISTING
from digest.ingest.fetch_all import fetch_all
from digest.ingest.fetch_records import last_fetches
from digest.ingest.http import Http
from digest.store import Store

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)


def item(title: str, description: str) -> str:
    return f"<item><title>{title}</title><link>https://lab.example/{len(title)}</link>" + (
        f"<description>{description}</description></item>"
    )


FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>A lab's papers</title>
  <pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate>
  {item("Tidal adapters for small models", "An invented abstract about tidal adapters.")}
  {item("A paper whose abstract is missing", "")}
  {item("Origami priors revisited", "An invented abstract about folding priors.")}
</channel></rss>
""".encode()


def configure(workspace, server: LocalHttpServer, path: str):
    text = (
        workspace.config_path.read_text()
        + f"sources:\n  - {{kind: url, name: lab, url: '{server.url(path)}'}}\n"
    )
    workspace.config_path.write_text(text)
    return load_config(workspace.config_path)


def test_a_fetched_feed_keeps_its_good_papers_and_names_the_unreadable_one(workspace, caplog):
    caplog.set_level(logging.WARNING, logger="digest.ingest.fetch")
    with LocalHttpServer({"/feed": Route(FEED, content_type="application/rss+xml")}) as server:
        config = configure(workspace, server, "/feed")
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, NOW)
            titles = sorted(p.title for p in store.papers())
            record = last_fetches(store)["lab"]
        status = workspace.cli("status")
    assert titles == ["Origami priors revisited", "Tidal adapters for small models"]
    why = "item 2: <description> (the abstract of 'A paper whose abstract is missing') is missing or empty"
    assert outcome.outcome == LISTING and outcome.new_papers == 2
    assert outcome.detail == f"2 papers of 2026-11-29: 2 new, 0 known; 1 unreadable item left out: {why}"
    assert record.detail == outcome.detail
    assert f"Source lab: fetched at 2026-11-30 06:00 UTC: {outcome.detail}" in status.output
    (logged,) = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert f"left out {why} (the document: {outcome.saved})" in logged


def test_the_same_document_dropped_in_the_inbox_is_refused_whole(workspace):
    config = workspace.config
    workspace.dump("lab.xml", FEED)  # dropped a while ago: nothing to wait for
    result = workspace.cli("ingest")
    with Store(config.database) as store:
        assert store.papers() == []
    assert "item 2: <description>" in result.output
    note = (config.inbox / "failed" / "lab.xml.error.txt").read_text()
    assert "item 2: <description> (the abstract of 'A paper whose abstract is missing') is missing" in note


def test_a_fetched_document_with_no_readable_item_is_a_failed_fetch_kept_aside(workspace):
    bad = json.dumps([{"paper": {"id": "2611.00001", "title": ""}}, "not an item"]).encode()
    with LocalHttpServer({"/daily": Route(bad)}) as server:
        config = configure(workspace, server, "/daily")
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, NOW)
            assert store.papers() == []
    assert outcome.outcome == FAILED and outcome.saved.parent.name == "failed"
    assert "item 1: paper.title is missing or empty (and 1 more: no item could be read)" in outcome.detail


def test_more_than_three_left_out_are_counted_in_the_record_and_each_logged(workspace, caplog):
    caplog.set_level(logging.WARNING, logger="digest.ingest.fetch")
    good = {"paper": {"id": "2611.00009", "title": "A readable paper", "summary": "An invented abstract."}}
    day = json.dumps([good] + [{"paper": {"id": f"2611.0000{n}"}} for n in range(1, 6)]).encode()
    with LocalHttpServer({"/daily": Route(day)}) as server:
        config = configure(workspace, server, "/daily")
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, NOW)
    assert outcome.outcome == LISTING and outcome.new_papers == 1
    assert (
        "; 5 unreadable items left out: item 2: paper.title is missing or empty; item 3: " in outcome.detail
    )
    assert outcome.detail.endswith("; and 2 more (the log names each)")
    assert len([r for r in caplog.records if "left out" in r.getMessage()]) == 5


def test_a_document_a_reader_fails_on_unforeseen_is_a_failed_fetch_not_a_stopped_run(workspace):
    """A number of 5,000 digits: json.loads raises ValueError (Python's limit on int digits),
    which no reader names; the fetch fails, saying so, and the next one keeps no second copy."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    paper = '{"paper": {"id": "2611.00009", "title": "A title", "summary": "An abstract.", "upvotes": '
    day = (f"[{paper}{'9' * 5000}}}}}]").encode()
    with LocalHttpServer({"/daily": Route(day)}) as server:
        config = configure(workspace, server, "/daily")
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, NOW)
            (again,) = fetch_all(config, store, http, NOW)
            assert store.papers() == []
    assert outcome.outcome == FAILED and outcome.saved.parent.name == "failed"
    assert ": cannot be read as a dump: ValueError: Exceeds the limit (4300 digits)" in outcome.detail
    assert again.outcome == FAILED and again.saved == outcome.saved  # one copy kept


@pytest.mark.parametrize("debug", [False, True])
def test_digest_fetch_says_a_readers_bug_in_one_line_and_its_traceback_only_when_debugging(workspace, debug):
    """`digest fetch` printed the traceback of a reader's bug on stderr (the daemon's log line);
    the command says the fetch failed in its line, that it is a bug to report, and where the
    document is kept; the traceback only with DIGEST_DEBUG=1."""
    if sys.get_int_max_str_digits() == 0:
        pytest.skip("no limit on int digits here (PYTHONINTMAXSTRDIGITS=0)")
    paper = '{"paper": {"id": "2611.00009", "title": "A title", "summary": "An abstract.", "upvotes": '
    day = (f"[{paper}{'9' * 5000}}}}}]").encode()
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_DEBUG"} | (
        {"DIGEST_DEBUG": "1"} if debug else {}
    )
    with LocalHttpServer({"/daily": Route(day)}) as server:
        configure(workspace, server, "/daily")
        command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1
    assert done.stderr.count("Traceback (most recent call last)") == (1 if debug else 0)
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("lab: failed: ")]
    assert ": cannot be read as a dump: ValueError: Exceeds the limit (4300 digits)" in line
    assert str(workspace.root / "inbox" / "failed" / "fetch-lab-") in line
    assert line.endswith(
        " (an error digest did not foresee: a bug, please report it; DIGEST_DEBUG=1 shows its traceback)"
    )


def test_digest_fetch_names_an_item_it_left_out_once(workspace):
    """`digest fetch` said an item it left out twice: a WARNING on stderr, then in the source's
    line on stdout. The line names up to three: those are said there alone (the daemon's log,
    fetch_source's default, still names each: see above)."""
    with LocalHttpServer({"/feed": Route(FEED, content_type="application/rss+xml")}) as server:
        configure(workspace, server, "/feed")
        command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("lab: ")]
    assert "1 unreadable item left out: item 2: <description>" in line
    assert "item 2" not in done.stderr and "WARNING" not in done.stderr, done.stderr
