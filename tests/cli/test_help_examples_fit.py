"""Every command's `--help` fits a terminal of 80 columns, its examples with it. An example is
written whole on its line (click wraps no \\b paragraph), and `digest --help`'s config line (83
columns here), `profile new`'s (95), `run`'s, `send`'s, `serve`'s and `profile set`'s ran past the
edge, where the terminal folded them. A long one is broken as a shell reads it (a trailing
backslash), a comment put on a line of its own: what a user copies still runs. A crontab line
alone stays whole (cron reads no continuation), and the example config's path (where digest is
installed: a path is not broken)."""

from __future__ import annotations

import re
import subprocess

import click
from click.testing import CliRunner

from digest.cli import main
from digest.config_missing import example_config

COMMAND = re.compile(r"(#|digest |createdb |([A-Z_]+=(\$\([^)]*\)|\S+) +)+digest )")  # a line the shell runs
CRONTAB = re.compile(r"(?:[0-9*/,-]+ ){5}")  # a crontab line: five time fields; it has no continuation


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def _helps() -> dict[tuple[str, ...], str]:
    return {
        path: CliRunner().invoke(main, [*path, "--help"], terminal_width=80).output
        for path, _ in _commands(main)
    }


def _examples(shown: str) -> str:
    """The lines under "Example:", as the shell reads them."""
    if "\n  Example:\n" not in shown:
        return ""
    lines = shown.split("\n  Example:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return "\n".join(line.strip() for line in lines)


def test_every_help_fits_80_columns():
    for path, shown in _helps().items():
        long = [
            line
            for line in shown.splitlines()
            if len(line) > 80 and not CRONTAB.match(line.strip()) and line.strip() != str(example_config())
        ]
        assert not long, (path, long)


def test_every_example_is_read_by_the_shell_as_written():
    examples = {path: _examples(shown) for path, shown in _helps().items()}
    assert sum(bool(e) for e in examples.values()) > 10, examples
    for path, text in examples.items():
        text = "\n".join(line for line in text.splitlines() if not CRONTAB.match(line))
        checked = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, (path, text, checked.stderr)
        for line in text.replace("\\\n", " ").splitlines():  # as the shell joins a broken line
            assert COMMAND.match(line), (path, line)
    assert "digest serve --host 0.0.0.0 --port 8080" in examples[("serve",)]
