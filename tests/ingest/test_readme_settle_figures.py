"""The README's quotes of what `digest ingest` and `run --once` say of a dump still being
written are the tool's words, with its default settle time (scheduler.settle_seconds)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, make_dump

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quoted(start: str) -> str:
    """The README's quote that starts with ``start``, its lines joined as markdown joins them."""
    found = re.search(rf"`({re.escape(start)}[^`]*)`", README)
    assert found, f"the README quotes no `{start}...`"
    return re.sub(r"\s*\n\s*", " ", found.group(1))


def as_said(quote: str) -> re.Pattern[str]:
    """The quote as a pattern of a line: any number of seconds ago (the moment varies)."""
    return re.compile(re.escape(quote).replace(r"changed\ 3\ s\ ago", r"changed\ \d+\ s\ ago"))


def digest(workspace, *args: str) -> str:
    """The real program, run in the config's folder (the inbox said as inbox/...)."""
    command = [sys.executable, "-m", "digest", "--config", "config.yaml", *args]
    ran = subprocess.run(command, cwd=workspace.root, capture_output=True, text=True, timeout=120)
    return ran.stdout + ran.stderr


def fresh_dump(workspace) -> Path:
    path = workspace.root / "inbox" / "day.txt"
    path.write_text(make_dump("Mar 14", [("Spiking Networks", "We study spiking neural networks.")]))
    return path


def test_the_wait_of_ingest_is_quoted_with_the_default_settle_time(workspace):
    fresh_dump(workspace)
    said = digest(workspace, "ingest")
    quote = quoted("inbox/day.txt was changed 3 s ago; waiting until")
    # before: the README said "... has not changed for 20 s (scheduler.settle_seconds)...", 5 s by default
    assert as_said(quote).search(said), f"README: {quote}\ndigest ingest: {said}"


def test_a_dump_left_by_run_once_is_quoted_with_the_default_settle_time(workspace):
    fresh_dump(workspace)
    said = digest(workspace, "run", "--once")
    quote = quoted("inbox/day.txt: still being")
    # before: the README said "(it changed 3 s ago, within the last settle_seconds, 20 s)"
    assert as_said(quote).search(said), f"README: {quote}\ndigest run --once: {said}"
