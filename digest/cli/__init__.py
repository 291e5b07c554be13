"""The command line: parse, call the library, print. No logic lives here.

One module per group of commands; this one holds the top-level group and wires them in.
"""

from __future__ import annotations

import gc
import logging
import os
import time

import click

from digest import __version__
from digest.cli import daily, extras, papers, run_daemon, status
from digest.cli.common import Context
from digest.cli.db import db
from digest.cli.feedback import feedback
from digest.cli.fetch import fetch
from digest.cli.own_options import DigestGroup
from digest.cli.profile import profile
from digest.cli.suggested import carry, config_option
from digest.cli.suppressed import suppressed
from digest.config import SEMANTIC_INSTALL
from digest.config_missing import example_config
from digest.schema import SCHEMA_VERSION

log = logging.getLogger("digest")


class OffsetFormatter(logging.Formatter):
    """A log line's time with its UTC offset (2026-11-01 01:30:00,000 -0400): where the machine's
    clock falls back, the hour that comes twice is told apart (-0400, then -0500)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return f"{super().formatTime(record, datefmt)} {time.strftime('%z', self.converter(record.created))}"


@click.group(
    cls=DigestGroup,  # -v, --config after the command: said where they go
    context_settings={"help_option_names": ["-h", "--help"]},
    # the example config's installed path, as a missing config's message names it, on a line of its
    # own: in the sentence, it ran past 80 columns (a path is not broken)
    help=f"""Personalized email digests from daily listings of trending research papers.

    \b
    Try it with no setup at all:
      digest demo
    Then copy the example config to config.yaml and edit it:
      {example_config()}
    and run:
      digest ingest && digest send

    \b
    --semantic needs the semantic extra, installed in digest's clone:
    {SEMANTIC_INSTALL}
    """,
)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="DIGEST_CONFIG",
    help="Configuration file (default: $DIGEST_CONFIG, else ./config.yaml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, one line per event.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors: no progress bar, no warnings.")
@click.option(
    "--semantic/--no-semantic",
    default=None,
    # the install line said above, whole on a line of its own: wrapped here, it broke between
    # "-e" and its '.[semantic]', a line a user copies from the terminal ran without it
    help="Blend in semantic matching (it needs the semantic extra: the install line is above), or not; "
    "default: as the config says.",
)
@click.version_option(  # the schema: what a database's refusal as newer names (digest.schema_text)
    __version__,
    prog_name="digest",
    message=f"%(prog)s, version %(version)s (database schema {SCHEMA_VERSION})",
)
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, verbose: bool, quiet: bool, semantic: bool | None
) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OffsetFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING, handlers=[handler]
    )
    # APScheduler logs each run of the daemon's tick at INFO, and at WARNING each poll that
    # falls while a long tick still runs (one tick at a time is the design): -v shows digest's
    # own events, and a tick that raised still comes through (ERROR).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    if config_path and config_path.startswith("~"):  # a shell leaves it after "=", and in quotes
        config_path = os.path.expanduser(config_path)
    ctx.obj = Context(config_path, semantic, quiet=quiet)
    carry(config_option(config_path))  # the commands its messages suggest: with this config
    ctx.call_on_close(lambda: carry(""))


for command in (
    papers.ingest,
    fetch,
    papers.rank,
    papers.preview,
    feedback,
    daily.send,
    run_daemon.run,
    status.status,
    suppressed,
    extras.demo,
    extras.serve,
    db,
    profile,
):
    main.add_command(command)


def run() -> None:
    """The `digest` program: :func:`main`, then an exit that leaves the run's objects to the
    system. At exit the interpreter walks every object the collector tracks once more, looking
    for cycles to free (for `digest send` to 10,000 readers: some 0.16 s of the 0.22 s it took
    to exit, measured with benchmarks/bench_send.py's set-up); frozen, they are not walked, and
    the process's memory goes back to the system whole. Only the command-line program does
    this: :func:`main` called in a process that goes on (tests) keeps the collector as it was."""
    try:
        main()
    finally:
        gc.freeze()
