"""`digest preview` (and `digest rank --next`) for a reader who has nothing from `digest send`:
the note says what lifts it, as `digest send`'s row does, and the command it names does."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import make_dump

PAPERS = [("Spiking Networks Part 1", "We study spiking neural networks.")]
BOB = "email: bob@example.org\ninterests: [spiking neural networks]\n"


def test_a_paused_readers_preview_names_the_command_that_resumes_them(workspace):
    # Before: "note: bob is paused: `digest send` sends them nothing." and no word of what lifts it,
    # where `digest send --dry-run`'s row says "paused: gets nothing until `digest profile set bob
    # paused false`"
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    workspace.profile("bob", BOB + "paused: true\n")
    assert workspace.cli("ingest").exit_code == 0
    digest = [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]
    shown = subprocess.run([*digest, "preview", "bob", "--text"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    said = (
        "note: bob is paused: `digest send` sends them nothing until `digest profile set bob paused false`.\n"
    )
    assert shown.stderr == said
    dry = subprocess.run([*digest, "send", "--dry-run"], capture_output=True, text=True, timeout=120)
    assert "paused: gets nothing until `digest profile set bob paused false`" in dry.stdout, dry.stdout
    ranked = subprocess.run([*digest, "rank", "bob", "--next"], capture_output=True, text=True, timeout=120)
    assert ranked.stderr == said, ranked.stderr  # as `digest preview` says it
    (named,) = re.findall(r"until `digest (.*?)`", shown.stderr)  # done as said: bob is sent his digest
    done = subprocess.run([*digest, *named.split()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run([*digest, "preview", "bob", "--text"], capture_output=True, text=True, timeout=120)
    assert "paused" not in shown.stderr and "Spiking Networks Part 1" in shown.stdout, shown
