"""An interrupted copy of a dump (cut mid-sentence, no final newline) is refused; a fuller copy
of the same listing later completes an abstract that was stored cut short."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.errors import DumpError
from digest.ingest.dumps import ingest
from digest.ingest.sources import parse_dump
from digest.store import Store

from conftest import NOW, make_dump

MTIME = dt.datetime(2026, 3, 20, 9, 0)
PAPERS = [
    ("A Title", "An abstract about things."),
    ("Another Title", "Its abstract goes on about spiking networks on neuromorphic chips (SNN)."),
]


def parse(raw: str):
    return parse_dump(raw.encode(), Path("day.txt"), MTIME)


def test_a_dump_cut_mid_sentence_without_a_final_newline_is_refused():
    full = make_dump("Mar 14", PAPERS)
    cut = full[: full.index("neuromorphic chips")]  # an even number of paragraphs is left
    with pytest.raises(DumpError, match=r"day.txt:\d+: the file ends in the middle of a sentence"):
        parse(cut.rstrip(" "))


@pytest.mark.parametrize("end", [".", ".)", '."', "?", "!", "…", ".”"])
def test_a_dump_whose_last_abstract_ends_a_sentence_needs_no_final_newline(end):
    text = make_dump("Mar 14", [("T", "Ends here" + end)]).rstrip("\n")
    assert parse(text).entries[0].abstract == "Ends here" + end


def test_the_real_dumps_end_without_a_newline_and_are_read(shared_dumps):
    from digest.ingest.sources import read_dump

    assert all(not p.read_bytes().endswith(b"\n") for p in shared_dumps)
    assert all(read_dump(p).entries for p in shared_dumps)


def test_a_fuller_copy_of_the_listing_completes_an_abstract_stored_cut_short(tmp_path):
    full = make_dump("Mar 14", PAPERS)
    short = full[: full.index(" on neuromorphic chips")] + "\n"  # ended by a newline: accepted
    (tmp_path / "short.txt").write_text(short)
    (tmp_path / "full.txt").write_text(full)
    with Store(tmp_path / "d.db") as store:
        ingest(store, [tmp_path / "short.txt"], NOW)
        assert store.papers()[1].abstract == "Its abstract goes on about spiking networks"
        report = ingest(store, [tmp_path / "full.txt"], NOW)
        assert not report.failures
        assert [p.abstract for p in store.papers()] == [a for _, a in PAPERS]
        # a different abstract that is not a continuation is left alone
        other = make_dump("Mar 14", [("Another Title", "Its abstract, rewritten entirely.")])
        (tmp_path / "other.txt").write_text(other)
        ingest(store, [tmp_path / "other.txt"], NOW)
        assert store.papers()[1].abstract == PAPERS[1][1]
