"""`digest --help` (and `digest profile --help`, `digest db --help`) lists the commands, each
with the first sentence of its help: click clipped it to the line, "feedback    Rate a paper for
USER: up (more like this), down (less like...", which left a new user reading the list not
knowing what the rest of the sentence was. Each sentence is now whole, wrapped under its name."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from digest.cli import main


def _help(*names: str) -> str:
    """A real `digest ... --help`, on a terminal of 80 columns."""
    done = subprocess.run(
        [sys.executable, "-m", "digest", *names, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _listed(output: str) -> str:
    """The Commands section, its lines joined as one text."""
    return " ".join(output.split("Commands:", 1)[1].split())


def test_every_command_is_listed_with_its_first_sentence_whole():
    groups = [([], main)] + [
        ([name], command) for name, command in main.commands.items() if isinstance(command, click.Group)
    ]
    for path, group in groups:
        output = _help(*path)
        listed = _listed(output)
        assert "..." not in listed, output
        for name, command in group.commands.items():
            first = command.get_short_help_str(limit=10_000)
            assert f"{name} {first}" in listed, (path, output)
        assert all(len(line) <= 80 for line in output.split("Commands:", 1)[1].splitlines()), output


def test_the_feedback_command_is_said_whole():
    listed = _listed(_help())
    assert "feedback Rate a paper for USER: up (more like this), down (less like this) or clear." in listed
