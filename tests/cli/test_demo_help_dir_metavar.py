"""`digest demo --help` names --dir's folder DIR, as `send --help` names --to-dir's: the commands
name what an option holds in their own short words (DIR, PATH, FILE, USER, ADDR, URL, ...), and
demo's was click's default for a folder, "--dir DIRECTORY  Where to put the demo.", the one left.
Every command's help is read, so a folder option added later is held to it too."""

from __future__ import annotations

import click
from click.testing import CliRunner

from digest.cli import main


def _commands(group: click.Group, path: list[str]) -> list[list[str]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, [*path, name])
        else:
            found.append([*path, name])
    return found


def test_demo_names_its_folder_dir():
    said = " ".join(CliRunner().invoke(main, ["demo", "--help"]).output.split())
    assert "--dir DIR Where to put the demo. [default: digest-demo]" in said, said


def test_no_command_names_a_folder_directory():
    for command in _commands(main, []):
        said = CliRunner().invoke(main, [*command, "--help"]).output
        assert "DIRECTORY" not in said, (command, said)
