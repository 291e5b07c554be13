"""A line of the page's header copied after the day line, where the first title goes (`Subscribe`,
or `new` and `Subscribe`), is refused naming it and saying to remove it. Before, one such line was
said as "the title 'Subscribe' has no abstract after it ..., or 'Mar 14' is a paper's title", neither
true, and two were stored as a paper titled "new" whose abstract was "Subscribe".

Real parts: real `digest ingest` processes, the inbox and SQLite database on disk."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from digest.errors import DumpError
from digest.ingest.sources.trending import parse
from digest.store import Store

from conftest import make_dump

PAPERS = [
    ("Gliders That Learn to Soar", "We train gliders to find thermals. They stay aloft longer."),
    ("Sparse Maps for Small Robots", "Small robots keep sparse maps. The maps fit in a kilobyte."),
]


def ingest(ws) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "ingest"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ws.root)


def drop(ws, name: str, text: str) -> None:
    path = ws.root / "inbox" / name
    path.write_text(text)
    os.utime(path, (path.stat().st_mtime - 60, path.stat().st_mtime - 60))  # settled: read at once


def test_a_header_line_after_the_day_line_is_said_as_such(workspace):
    ws = workspace
    dump = make_dump("Mar 14", PAPERS)  # header, day line on line 9, first title on line 11
    drop(ws, "one.txt", dump.replace("Mar 14\n\n", "Mar 14\n\nSubscribe\n\n"))
    drop(ws, "two.txt", dump.replace("Mar 14\n\n", "Mar 14\n\nnew\n\nSubscribe\n\n"))
    said, inbox = ingest(ws), ws.config.inbox
    assert said.returncode == 1, said
    assert (
        f"rejected: {inbox}/one.txt:11: 'Subscribe' is a line of the page's header, found after "
        "the day line ('Mar 14', line 9), where the first paper's title goes: remove it (or move it "
        "before the day line). The dump is refused whole: mend it and drop it in the inbox again; kept "
        f"in {inbox}/failed/one.txt\n"
    ) in said.stderr, said.stderr
    assert (
        f"rejected: {inbox}/two.txt:11: 'new' (line 11) and 'Subscribe' (line 13) are lines of the page's "
        "header, found after the day line ('Mar 14', line 9), where the first paper's title goes: remove "
        "them (or move them before the day line). "
    ) in said.stderr, said.stderr
    with Store(ws.config.database) as store:
        assert store.paper_count() == 0  # nothing stored: no paper "new"

    drop(ws, "one.txt", dump)  # mended as said
    done = ingest(ws)
    assert done.returncode == 0 and f"{inbox}/one.txt: 2026-03-14, 2 entries: 2 new papers" in done.stdout, (
        done
    )


def test_three_header_lines_after_the_day_line_are_listed_as_a_list_is(tmp_path):
    """The header copied again after the day line: its lines named "a, b and c", not "a and b and c"."""
    stray = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    dump = make_dump("Mar 14", PAPERS).replace("Mar 14\n\n", "Mar 14\n\n" + stray)
    path = tmp_path / "three.txt"
    with pytest.raises(DumpError) as refused:
        parse(dump.splitlines(), path, dt.datetime(2026, 3, 14, 12, tzinfo=dt.UTC))
    assert str(refused.value).startswith(
        f"{path}:11: 'new' (line 11), 'Get trending papers in your email inbox!' (line 13) and 'Subscribe' "
        "(line 15) are lines of the page's header, found after the day line ('Mar 14', line 9), "
    ), refused.value


def test_a_stray_line_after_the_day_line_that_is_no_header_line_is_told_to_be_removed_if_so(workspace):
    """A line after the day line whose words are not the page's header lines (`Subscribe now`): it
    may be a title whose abstract is lost, or a stray line of the page; both are said, with the
    cure of each. Before, it was told only "the title 'Subscribe now' has no abstract after it ...,
    or 'Mar 14' (line 9) is a paper's title", and a stray line was in neither reading."""
    ws = workspace
    dump = make_dump("Mar 14", PAPERS)
    drop(ws, "one.txt", dump.replace("Mar 14\n\n", "Mar 14\n\nSubscribe now\n\n"))
    said, inbox = ingest(ws), ws.config.inbox
    assert said.returncode == 1, said
    assert (
        f"rejected: {inbox}/one.txt:11: 'Subscribe now' stands where the first title goes, with no abstract "
        "after it (the next paragraph, line 13, begins the next paper): it is a title whose abstract is "
        "lost, or a stray line that is no title (a line of the page), or 'Mar 14' (line 9) is a paper's "
        "title, not the listing's day, and this its abstract: the titles and abstracts pair up each way. "
        "If it is a title, put its abstract back after it; if a stray line, remove it; if 'Mar 14' is a "
        "paper's title, put the day the page shows on a line of its own before it ("
    ) in said.stderr, said.stderr

    drop(ws, "one.txt", dump)  # the stray line removed, as said
    done = ingest(ws)
    assert done.returncode == 0 and f"{inbox}/one.txt: 2026-03-14, 2 entries: 2 new papers" in done.stdout, (
        done
    )
