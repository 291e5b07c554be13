"""A new reader's first digest holds what each source fetched last (the daily papers JSON of
yesterday beside arXiv's feed of today, as the example config fetches them), not one source's."""

from __future__ import annotations

import json

from helpers.fetch_sources import HF, NOW, RSS, configure, hf_and_feed

from digest.demo.http_server import LocalHttpServer
from digest.profiles.load import load_profile
from digest.select.digests import next_digest
from digest.store import Store

from conftest import NOW as DAY
from conftest import make_dump

READER = "email: cy@example.org\ninterests: [spiking attention, curriculum design]\n"


def test_a_new_readers_first_digest_holds_the_latest_listing_of_every_source(workspace):
    # Before: only the one latest listing (the feed, ingested last) was a new reader's window;
    # Spiking Attention Without Softmax, of the daily papers fetched with it, was in no digest
    # of theirs ever (their next window starts after it), though `digest rank` put it first.
    with LocalHttpServer(hf_and_feed()) as server:
        config = configure(workspace, server, HF, RSS)
        assert workspace.cli("fetch").exit_code == 0
    workspace.profile("cy", READER)
    with Store(config.database) as store:
        digest = next_digest(store, load_profile(config, "cy"), NOW)
    assert [m.paper.title for m in digest.matches] == [
        "Gradient Noise as a Compass for Curriculum Design",  # in both
        "Spiking Attention Without Softmax",  # the daily papers' alone
        "Tidal Memory Layers for Long-Context Language Models",  # the daily papers' too (a partial match)
    ]
    sent = workspace.cli("send", "--dry-run")
    assert "cy@example.org                     3 papers" in sent.output, sent.output


def test_the_inbox_dumps_are_one_source_and_a_source_gone_quiet_is_left_out(workspace):
    # the dumps dropped in the inbox are one source, of which the latest listing, as before; a
    # source whose latest listing is more than a week older than the newest is not the day's
    for name, day, title in [
        ("a.txt", "Mar 12", "Spiking Attention Dropped Earlier"),
        ("b.txt", "Mar 14", "Spiking Attention Today"),
        ("fetch-daily-2026-03-13-20260313T060000.txt", "Mar 13", "Spiking Attention Yesterday"),
        ("fetch-quiet-2026-03-02-20260302T060000.txt", "Mar 2", "Spiking Attention of a Quiet Source"),
    ]:
        workspace.dump(name, make_dump(day, [(title, f"On spiking attention: {title.lower()}.")]))
    assert first_digest_titles(workspace) == {"Spiking Attention Today", "Spiking Attention Yesterday"}
    from digest.fetched_names import fetched_source  # a listing's source, as its file's name says

    assert (
        fetched_source("inbox/fetch-arxiv-cs.CL+cs.LG-2026-12-04-20261204T181716.xml") == "arxiv-cs.CL+cs.LG"
    )
    assert fetched_source("inbox/.fetch-hf_daily-2026-12-03-20261204T181716.json") == "hf_daily"
    assert fetched_source("inbox/fetch-hf_daily-2026-12-03-20261204T181716.1.json") == "hf_daily"  # failed/'s
    assert fetched_source("inbox/2026-03-14.txt") == fetched_source("inbox/fetch-notes.txt") == ""


def test_a_fetched_document_moved_back_from_failed_with_its_number_is_its_sources(workspace):
    # Before: a fetched document put aside twice under one name is kept in failed/ numbered
    # (fetch-daily-...T060000.1.txt); moved back into the inbox and ingested, its listing was
    # taken as a dump dropped in the inbox (store.py read the name with a pattern of its own,
    # without the number), so the inbox's newer dump hid it from a new reader's first digest.
    workspace.dump("b.txt", make_dump("Mar 14", [("Spiking Attention Today", "On spiking attention.")]))
    numbered = "fetch-daily-2026-03-13-20260313T060000.1.txt"
    kept = workspace.dump(
        numbered,
        make_dump("Mar 13", [("Spiking Attention Yesterday", "Spiking attention, again.")]),
        "inbox/failed",
    )
    kept.rename(workspace.root / "inbox" / numbered)  # the user moves it back to be read again
    assert first_digest_titles(workspace) == {"Spiking Attention Today", "Spiking Attention Yesterday"}


def first_digest_titles(workspace) -> set[str]:
    """The inbox ingested, the titles of a new reader's first digest."""
    assert workspace.cli("ingest").exit_code == 0
    workspace.profile("cy", READER)
    with Store(workspace.config.database) as store:
        return {m.paper.title for m in next_digest(store, load_profile(workspace.config, "cy"), DAY).matches}


def test_a_source_removed_from_the_config_no_longer_feeds_a_new_readers_first_digest(workspace):
    # Before: the latest listing of every source stored made a new reader's first window for a
    # week after, so the daily papers, fetched at 06:00 and taken out of `sources:` at 06:30,
    # gave a reader added at 07:00 Spiking Attention and Tidal Memory (the daily papers' alone)
    with LocalHttpServer(hf_and_feed()) as server:
        configure(workspace, server, HF, RSS)
        assert workspace.cli("fetch").exit_code == 0
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(text.replace(HF.replace("{base}", server.url("")), ""))
    assert [s.name for s in workspace.config.sources] == ["arxiv-cs.LG"]
    workspace.profile("cy", READER)
    gradient = "Gradient Noise as a Compass for Curriculum Design"  # the feed's (and the daily papers')
    assert first_digest(workspace) == [gradient]
    ranked = workspace.cli("rank", "cy", "--next", "--json")
    assert [p["title"] for p in json.loads(ranked.output)] == [gradient], ranked.output
    sent = workspace.cli("send", "--dry-run")
    assert "cy@example.org                      1 paper\n" in sent.output, sent.output
    # the dumps dropped in the inbox are a source that no config names: still one
    workspace.dump("b.txt", make_dump("Nov 30", [("Spiking Attention Dropped", "On spiking attention.")]))
    assert workspace.cli("ingest").exit_code == 0
    assert first_digest(workspace) == [gradient, "Spiking Attention Dropped"]


def first_digest(workspace) -> list[str]:
    """The titles of cy's first digest, chosen as the config says."""
    config = workspace.config
    with Store(config.database) as store:
        digest = next_digest(store, load_profile(config, "cy"), NOW, config=config)
    return [m.paper.title for m in digest.matches]


def test_a_source_renamed_in_the_config_feeds_a_new_readers_first_digest_before_and_after_its_next_fetch(
    workspace,
):
    # Before: its listing kept the old name (its file's), which no config names, so the daily
    # papers were in no new reader's first digest until fetched under the new name; its url is
    # the same (the fetches kept say so): the same source, whose listings count under either name.
    # Fetched again, the document "already ingested" is the new name's listing.
    with LocalHttpServer(hf_and_feed()) as server:
        configure(workspace, server, HF, RSS)
        assert workspace.cli("fetch").exit_code == 0
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(
            text.replace("- kind: hf_daily\n", "- kind: hf_daily\n    name: hf\n")
        )
        assert [s.name for s in workspace.config.sources] == ["hf", "arxiv-cs.LG"]
        workspace.profile("cy", READER)
        whole = [
            "Gradient Noise as a Compass for Curriculum Design",
            "Spiking Attention Without Softmax",
            "Tidal Memory Layers for Long-Context Language Models",
        ]
        assert first_digest(workspace) == whole  # before it is fetched under its new name
        fetched = workspace.cli("fetch")
        # the fixture is the daily papers of 2026-11-27 whatever day is asked: taken in all the same,
        # and said as an earlier day's list again (tests/daemon/test_fetch_stale_day.py)
        assert "the API answered those of 2026-11-27 again (3 papers, already ingested)" in fetched.output
    assert first_digest(workspace) == whole
