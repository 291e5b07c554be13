"""`digest status`, `preview` and `send` do not read pip's record of where digest was installed
from (digest.install_source and importlib.metadata, with zipfile and csv): only a damaged
install needs it, to say the command that installs it again. Loaded by every command that loads
the templates, it cost each some 37 ms of CPU and 2.8 MiB (`import digest.compose.jinja_env`:
0.142 s CPU against 0.105 s before it was loaded). A running `digest run` or `digest serve`
still loads it at its start (digest.cli.preload): the words for a damaged install stay this
release's after another is installed under it. Each command is run twice: the first run of an
installation asks premailer's libraries about the templates (cssutils reads importlib.metadata),
and keeps the answers (digest.compose.inline_memo)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from conftest import a_minute_ago, make_dump

PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]

LOADED = """
import json, sys
from digest.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    heavy = ("digest.install_source", "importlib.metadata")
    print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("command", "shows"),
    [
        (["status"], "ada"),
        (["preview", "ada", "--text"], "Gardening Robots"),
        (["send", "--dry-run"], "ada"),
    ],
)
def test_a_command_on_an_intact_install_does_not_read_where_it_was_installed_from(workspace, command, shows):
    today = dt.datetime.now(dt.UTC)
    workspace.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    workspace.dump("day.txt", make_dump(f"{today:%b} {today.day}", PAPERS), mtime=a_minute_ago())
    assert workspace.cli("ingest").exit_code == 0

    for _ in range(2):  # the second: the templates' inlining answers kept from the first (inline_memo)
        shown = subprocess.run(
            [sys.executable, "-c", LOADED, "--config", str(workspace.config_path), *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert shown.returncode == 0, shown.stderr
    assert shows in shown.stdout + shown.stderr
    assert json.loads(shown.stderr.strip().splitlines()[-1]) == [], shown.stderr
