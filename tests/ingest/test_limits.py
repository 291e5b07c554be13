"""Size limits: a dump over one is refused whole, with the limit named; so is a profile."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from digest.errors import DumpError, ProfileError
from digest.ingest.dumps import ingest
from digest.ingest.sources import (
    MAX_DUMP_BYTES,
    MAX_ENTRIES,
    MAX_FEED_ENTRIES,
    MAX_PARAGRAPH,
    parse_dump,
    read_dump,
)
from digest.profiles.load import MAX_INTERESTS, MAX_KEYWORD, load_profile
from digest.store import Store

from conftest import NOW, make_dump

MTIME = dt.datetime(2026, 3, 20, 9, 0)


def test_a_paragraph_over_the_limit_refuses_the_whole_dump(tmp_path):
    papers = [("Fine", "An abstract."), ("Huge", "word " * (MAX_PARAGRAPH // 5) + "end.")]
    path = tmp_path / "day.txt"
    path.write_text(make_dump("Mar 14", papers))
    with Store(tmp_path / "d.db") as store:
        report = ingest(store, [path], NOW)
        assert store.counts()["papers"] == 0
    (failure,) = report.failures
    assert f"longer than {MAX_PARAGRAPH:,} characters" in failure.error and "day.txt:" in failure.error


def test_a_dump_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        f.write(make_dump("Mar 14", [("T", "A.")]).encode())
        f.truncate(MAX_DUMP_BYTES + 1)
    with pytest.raises(DumpError, match=r"big.txt: the file is .* MB, over the limit of 10 MB"):
        read_dump(path)


def test_a_dump_with_too_many_entries_is_refused_whole():
    papers = [(f"Title {i}", f"Abstract {i}.") for i in range(MAX_ENTRIES + 1)]
    with pytest.raises(DumpError, match=f"more than {MAX_ENTRIES:,} papers"):
        parse_dump(make_dump("Mar 14", papers).encode(), Path("day.txt"), MTIME)


def test_a_keyword_too_long_or_too_many_interests_are_refused_with_the_key(workspace):
    long_kw = "x" * (MAX_KEYWORD + 1)
    workspace.profile("eve", f"email: eve@example.org\ninterests: [{long_kw}]\nexclude: [{long_kw}]\n")
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "eve")
    assert f"interests: a keyword of {MAX_KEYWORD + 1} characters" in str(info.value)
    assert f"exclude: a keyword of {MAX_KEYWORD + 1} characters" in str(info.value)
    many = ", ".join(f"kw{i}" for i in range(MAX_INTERESTS + 1))
    workspace.profile("eve", f"email: eve@example.org\ninterests: [{many}]\n")
    with pytest.raises(ProfileError, match=f"interests: {MAX_INTERESTS + 1} keywords, over the limit"):
        load_profile(workspace.config, "eve")


@pytest.mark.parametrize("fmt", ["json", "atom"])
def test_the_limits_hold_for_the_daily_papers_json_and_the_feeds_too(fmt):
    def document(papers: list[tuple[str, str]]) -> bytes:
        if fmt == "json":
            items = [
                {"paper": {"id": f"2611.{i:05d}", "title": t, "summary": a}}
                for i, (t, a) in enumerate(papers)
            ]
            return json.dumps(items).encode()
        entries = "".join(
            f"<entry><id>http://arxiv.org/abs/2611.{i:05d}v1</id><title>{t}</title><summary>{a}</summary></entry>"
            for i, (t, a) in enumerate(papers)
        )
        return f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'.encode()

    many = [(f"Title {i}", "An abstract.") for i in range(MAX_FEED_ENTRIES + 1)]
    with pytest.raises(
        DumpError, match=f"more than {MAX_FEED_ENTRIES:,} papers in one document; refused whole"
    ):
        parse_dump(document(many), Path("day"), MTIME)
    long = [("Fine", "An abstract."), ("Huge", "word " * (MAX_PARAGRAPH // 5) + "end.")]
    with pytest.raises(DumpError, match=f"item 2: an abstract longer than {MAX_PARAGRAPH:,} characters"):
        parse_dump(document(long), Path("day"), MTIME)
    assert len(parse_dump(document(many[:MAX_FEED_ENTRIES]), Path("day"), MTIME).entries) == MAX_FEED_ENTRIES
