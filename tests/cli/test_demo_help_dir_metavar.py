"""`digest demo --help` names --dir's folder DIR, as `send --help` names --to-dir's: the commands
name what an option holds in their own short words (DIR, PATH, FILE, USER, ADDR, URL, ...), and
demo's was click's default for a folder, "--dir DIRECTORY  Where to put the demo.", the one left.
Every command's help is read, so a folder option added later is held to it too.

So is every other option: none is named by click's name for its type ("--host TEXT",
"--port INTEGER RANGE", "--limit INTEGER RANGE", "--name TEXT" were left), each by what it holds
(HOST, PORT, N, NAME, NUMBER, ...)."""

from __future__ import annotations

import re

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


# click's names of its types as a help shows them (PATH, its name for click.Path, is the
# commands' own word for a file's path: --config PATH)
CLICK_TYPES = re.compile(r"\b(TEXT|INTEGER|FLOAT|BOOLEAN|FILENAME|DIRECTORY|UUID|RANGE)\b")


def test_demo_names_its_folder_dir():
    said = " ".join(CliRunner().invoke(main, ["demo", "--help"]).output.split())
    assert "--dir DIR Where to put the demo. [default: digest-demo]" in said, said


def test_no_command_names_a_folder_directory():
    for command in _commands(main, []):
        said = CliRunner().invoke(main, [*command, "--help"]).output
        assert "DIRECTORY" not in said, (command, said)


def test_no_option_is_named_by_its_type():
    for command in _commands(main, []):
        said = CliRunner().invoke(main, [*command, "--help"]).output
        assert not CLICK_TYPES.search(said), (command, said)


def test_the_options_once_named_by_their_types():
    def options(*command: str) -> str:
        return " ".join(CliRunner().invoke(main, [*command, "--help"]).output.split())

    assert "--host HOST Address to listen on" in options("serve")
    assert "--port PORT Port (default: web.port, else 8025)" in options("serve")
    assert "--limit N How many papers to show." in options("rank")
    assert "--days N How far back." in options("profile", "test")
    assert "--show N Papers to list." in options("profile", "test")
    assert "--name NAME The reader's name, for the greeting." in options("profile", "new")
