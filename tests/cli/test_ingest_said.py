"""`digest ingest` on the command line: what was new and what was known, and a bad dump rejected
with its name and line, put aside, told once, the others ingested."""

from __future__ import annotations

import subprocess
import sys

from helpers.three_papers import seed

from conftest import make_dump


def test_ingest_says_what_was_new_and_what_was_known(workspace):
    seed(workspace)
    first = workspace.cli("ingest")
    assert first.exit_code == 0, first.output
    assert "3 entries: 3 new papers, 0 already known" in first.output
    moved = workspace.root / "inbox" / "processed" / "day.txt"
    assert moved.exists() and not (workspace.root / "inbox" / "day.txt").exists()
    assert "No dumps in" in workspace.cli("ingest").output
    again = workspace.cli("ingest", str(moved))
    assert "already ingested, nothing new" in again.output
    assert "The database holds 3 papers from 1 listing." in again.output
    assert moved.exists()  # dumps named on the command line stay where they are


def test_a_bad_dump_is_rejected_with_its_name_and_line_and_nothing_stored(workspace):
    seed(workspace)
    bad = workspace.dump("bad.txt", make_dump("Mar 15", [("T", "A")]).rsplit("\n\n", 1)[0])
    result = workspace.cli("ingest", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:11: the title 'T' has no abstract after it" in result.output
    assert "The database holds 0 papers" in result.output
    assert "Traceback" not in result.output


def test_a_rejected_dump_of_the_inbox_says_where_it_was_put_aside(workspace):
    # the line named inbox/bad.txt, where the file no longer is
    workspace.dump("bad.txt", make_dump("Mar 15", [("T", "A")]).rsplit("\n\n", 1)[0])
    result = workspace.cli("ingest")
    assert result.exit_code == 1
    kept = workspace.root / "inbox" / "failed" / "bad.txt"
    assert kept.exists()
    assert "the title 'T' has no abstract after it" in result.output
    assert f"; kept in {kept}\n" in result.output


def test_a_dump_no_reader_foresaw_fails_alone_and_the_others_are_ingested(workspace, monkeypatch):
    # a reader's bug cannot be written on purpose: one is stood in for, for the JSON reader only
    from digest.ingest.sources import hf_daily

    def broken(text, path, mtime):
        raise ValueError("a bug in the reader")

    monkeypatch.setattr(hf_daily, "parse", broken)
    seed(workspace)  # day.txt, a good dump
    workspace.dump("a-first.json", "[]")
    result = workspace.cli("ingest")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "a-first.json: cannot be read as a dump: ValueError: a bug in the reader" in result.output
    assert "3 entries: 3 new papers" in result.output  # the good dump after it, ingested
    failed = workspace.root / "inbox" / "failed"
    assert (failed / "a-first.json").exists() and "a bug in the reader" in (
        failed / "a-first.json.error.txt"
    ).read_text()


def test_json_nested_too_deeply_in_the_inbox_is_put_aside_and_the_rest_ingested(workspace):
    seed(workspace)
    workspace.dump("deep.json", "[" * 5000 + "]" * 5000)
    result = workspace.cli("ingest")
    assert result.exit_code == 1 and "nested too deeply" in result.output
    assert "3 entries: 3 new papers" in result.output
    assert (workspace.root / "inbox" / "failed" / "deep.json").exists()


def test_a_rejected_dump_is_told_once_even_with_verbose(workspace):
    bad = workspace.dump("bad.txt", make_dump("Mar 15", [("T", "A")]).rsplit("\n\n", 1)[0])
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]

    def ingest(*flags: str) -> str:
        done = subprocess.run([*command, *flags, "ingest", str(bad)], capture_output=True, text=True)
        assert done.returncode == 1, done.stderr
        return done.stderr

    assert ingest().count("has no abstract after it") == 1
    assert ingest("-v").count("has no abstract after it") == 1
