"""A paper listed again under a changed title (its arXiv id the same: a new version's title) is
one paper known by both titles; a profile's ``like:`` may name it by either, as the reader saw it
last, and it teaches the reader's model either way: in the next digest's window (listed again
there) or stored before it. `digest preview` does not call the later title "the title of no
stored paper". Real `digest` commands; SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers.listings import OTHER_SUBJECTS

pytestmark = pytest.mark.backends

LIKED = "close to papers you liked"
FIRST_TITLE = "Lantern Graphs for Retrieval"
LATER_TITLE = "Lantern Walks: Graph Retrieval of Passages"
ABSTRACT = "Lantern graphs index documents; lantern walks retrieve passages for a question."
NEIGHBOUR = ("Lantern walks over passage graphs", "Walks on lantern graphs retrieve passages of documents.")
LATER_NEIGHBOUR = (
    "Passages retrieved by lantern walks",
    "Lantern graphs of documents and walks for passages.",
)
PROFILE = (
    "email: ada@example.org\ninterests:\n  - erasure codes\n"
    'like:\n  - "lantern walks -- graph retrieval of passages"\n'  # the later title, other punctuation
)


def listing(day: str, papers: list[tuple[str, str, str]]) -> bytes:
    """A daily papers JSON of (arXiv id, title, abstract), published on ``day``."""
    items = [
        {"paper": {"id": pid, "title": t, "summary": a, "authors": []}, "publishedAt": f"{day}T08:00:00.000Z"}
        for pid, t, a in papers
    ]
    return json.dumps(items).encode()


def others(first: int) -> list[tuple[str, str, str]]:
    """Papers on other subjects, listed each day (trending papers stay listed for days)."""
    return [(f"2603.{first + n:05d}", t, a) for n, (t, a) in enumerate(OTHER_SUBJECTS)]


def preview_notes(ws) -> str:
    """The real command's stderr (`digest preview ada --text`)."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "preview", "ada", "--text"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stderr


def next_digest(ws) -> dict[str, list[str]]:
    """`digest rank ada --next --json`: title -> what matched it."""
    result = ws.cli("rank", "ada", "--next", "--json")
    assert result.exit_code == 0, result.output
    return {row["title"]: row["matches"] for row in json.loads(result.output)}


def test_a_paper_liked_by_the_title_it_was_listed_under_later_teaches_the_model(workspace):
    ws = workspace
    ws.profile("ada", PROFILE)
    ws.dump("day1.json", listing("2026-03-13", [("2603.00001", FIRST_TITLE, ABSTRACT), *others(100)]))
    ws.dump(
        "day2.json",
        listing(
            "2026-03-14", [("2603.00001", LATER_TITLE, ABSTRACT), ("2603.00002", *NEIGHBOUR), *others(100)]
        ),
    )
    assert ws.cli("ingest").exit_code == 0
    assert "like:" not in preview_notes(ws)  # it is stored: under its first title, listed under this one
    in_window = next_digest(ws)  # the latest listing's: the liked paper listed again in it
    assert LIKED in in_window.get(NEIGHBOUR[0], []), in_window

    ws.dump("day3.json", listing("2026-03-15", [("2603.00003", *LATER_NEIGHBOUR), *others(100)]))
    assert ws.cli("ingest").exit_code == 0
    stored_before = next_digest(ws)  # the liked paper outside the window now
    assert FIRST_TITLE not in stored_before and LATER_TITLE not in stored_before
    assert LIKED in stored_before.get(LATER_NEIGHBOUR[0], []), stored_before
