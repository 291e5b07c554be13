"""A profile's ``like:`` names papers the reader already likes, usually ones stored before
(issue 11's cold start: "I liked these papers"): they teach the reader's model whichever
listing they came in, as a rated paper outside the window does, not only when the next
digest's window holds them. The next digest (`digest rank --next`, `digest preview`) ranks
the latest listing; the liked paper is in an earlier one."""

from __future__ import annotations

import json

import pytest
from helpers.listings import OTHER_SUBJECTS
from helpers.preview import preview

from conftest import make_dump

pytestmark = pytest.mark.backends  # the liked titles are looked up on SQLite and PostgreSQL alike

LIKED = "close to papers you liked"
MUSIC = ("Music generation with diffusion", "Audio diffusion models compose music.")
SPEECH = ("Speech recognition with transformers", "Audio tokens and attention for speech.")
GRAPHS = ("Graph neural networks for molecules", "Message passing on molecular graphs.")
DAY1 = [MUSIC, ("Sorting algorithms revisited", "Quicksort and mergesort on modern caches.")]
DAY2 = [SPEECH, GRAPHS, *OTHER_SUBJECTS]  # the next digest's window: no music paper in it
PROFILE = (
    "email: ada@example.org\ninterests:\n  - graph neural networks\n"
    "like:\n  - music generation with diffusion!\n"  # another case and punctuation: the same title
)


def next_digest(ws) -> dict[str, list[str]]:
    """`digest rank ada --next --json`: title -> what matched it."""
    result = ws.cli("rank", "ada", "--next", "--json")
    assert result.exit_code == 0, result.output
    return {row["title"]: row["matches"] for row in json.loads(result.output)}


def test_a_liked_paper_stored_before_the_window_teaches_the_next_digest(workspace):
    ws = workspace
    ws.profile("ada", PROFILE)
    ws.dump("day1.txt", make_dump("Mar 14", DAY1))
    assert ws.cli("ingest").exit_code == 0
    ws.dump("day2.txt", make_dump("Mar 15", DAY2))
    assert ws.cli("ingest").exit_code == 0
    ranked = next_digest(ws)
    assert MUSIC[0] not in ranked  # not in the window: it teaches, it is not shown
    assert LIKED in ranked.get(SPEECH[0], []), ranked  # no keyword reaches it: the liked music paper
    assert SPEECH[0] in preview(ws).stdout


def test_a_liked_title_counts_once_a_listing_with_it_is_ingested_though_a_later_one_is_next(workspace):
    ws = workspace
    ws.profile("ada", PROFILE)
    ws.dump("day0.txt", make_dump("Mar 13", [GRAPHS, *OTHER_SUBJECTS]))
    assert ws.cli("ingest").exit_code == 0
    assert "like: 'music generation with diffusion!' is the title of no stored paper" in preview(ws).stderr
    ws.dump("day1.txt", make_dump("Mar 14", DAY1))
    ws.dump("day2.txt", make_dump("Mar 15", DAY2))
    assert ws.cli("ingest").exit_code == 0
    assert "like:" not in preview(ws).stderr  # the note's promise: it counts now
    assert LIKED in next_digest(ws).get(SPEECH[0], [])
