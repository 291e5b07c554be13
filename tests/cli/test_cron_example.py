"""`digest run --help`'s cron line names digest by its full path, as README's does: cron runs a
job with a PATH of its own (/usr/bin:/bin), which has no virtualenv's bin/ in it, so a bare
`digest` there is "command not found" at every pass, mailed to the crontab's owner or lost.
Before, the help's example was `*/5 * * * * digest --config ... run --once`."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from digest.cli import main

CRON = re.compile(r"(?:\S+ ){5}(?:\w+=\S+ )*(\S+) --config \S+ run --once")  # five fields, VAR=..., command


def test_the_cron_example_of_run_help_names_digest_by_readmes_full_path():
    shown = CliRunner().invoke(main, ["run", "--help"]).output
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    helps, readmes = CRON.findall(shown), CRON.findall(readme.split("```cron", 1)[1].split("```", 1)[0])
    assert helps and helps == readmes and helps[0].startswith("/"), (helps, readmes)
