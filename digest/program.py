"""The `digest` program's entry point: a Ctrl-C pressed as it starts ends it quietly.

Loading the commands (digest.cli: click, the config's options, every command's module) takes
a few tenths of a second, before any command's error handling runs: a Ctrl-C then printed a
KeyboardInterrupt traceback. This module loads nothing but the standard library's ``os`` and
``sys`` before it starts watching, so a Ctrl-C at any point of the start is said as a command's
is: "interrupted", exit 130."""

from __future__ import annotations

import os
import sys

INTERRUPTED = 130  # as a shell says a command that Ctrl-C ended


def run() -> None:
    """The `digest` program: digest.cli.run, loaded and run; a Ctrl-C that no command took
    (one pressed while the commands load) exits 130 after "interrupted"."""
    try:
        from digest.cli import run as commands

        commands()
    except KeyboardInterrupt:
        # os.write, and no contextlib.suppress: nothing more to load; a Ctrl-C again is quiet too
        try:  # noqa: SIM105
            os.write(2, b"interrupted\n")
        except (OSError, KeyboardInterrupt):
            pass
        sys.exit(INTERRUPTED)
