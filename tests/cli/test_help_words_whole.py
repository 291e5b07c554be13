"""Every command's `--help` wraps its texts between words only. click broke a line at a hyphen
too: `digest feedback --help` on a terminal of 80 columns showed "old-style hep-" at the end of a
line and "th/9901001)" on the next, an arXiv id a user copies in two pieces (as an option named in
a help, --dry-run, or "re-edit")."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
from click.testing import CliRunner

from digest.cli import main


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def _hyphenated(command: click.Command) -> set[str]:
    """The words holding a hyphen between two letters or digits in the command's help texts."""
    texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
    return {word for text in texts for word in text.split() if re.search(r"\w-\w", word)}


def test_feedback_help_shows_the_old_style_arxiv_id_whole_at_80_columns():
    shown = subprocess.run(
        [sys.executable, "-m", "digest", "feedback", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80"},
    ).stdout
    assert "hep-th/9901001" in shown and "hep-\n" not in shown, shown


def test_every_help_keeps_each_hyphenated_word_whole_at_every_width():
    for width in (60, 72, 80, 100):
        for path, command in _commands(main):
            shown = CliRunner().invoke(main, [*path, "--help"], terminal_width=width).output
            words = set(shown.split())
            broken = {w for w in _hyphenated(command) if len(w) < width - 10 and w not in words}
            assert not broken, (width, path, broken, shown)
            assert "\u2011" not in shown
