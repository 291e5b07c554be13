"""`digest db migrate`: move an SQLite database into PostgreSQL (digest.dbcopy)."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import click

from digest.checks import DatabaseRef, holds_password
from digest.cli.common import Context, HelpGroup, echo, handle_errors, progress_for
from digest.daemon.lock import RunLock
from digest.db import is_postgres, url_host
from digest.errors import ConfigError, StoreError
from digest.files import counted
from digest.options import Invalid, Reading


@click.group(cls=HelpGroup)  # each command's first sentence whole
def db() -> None:
    """The database itself: move it from SQLite to PostgreSQL.

    \b
    Example:
      digest db migrate --to postgresql://db.example.org/digest
    """


@db.command()
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="An empty PostgreSQL database (postgresql://HOST/NAME; PG* variables fill in the rest).",
)
@click.pass_obj
@handle_errors
def migrate(obj: Context, target: str) -> None:
    """Copy the config's SQLite database into an empty PostgreSQL database, without loss.

    Every table is copied in one transaction and the row counts of both are compared; the
    SQLite file is left as it was. Stop the daemon and `digest serve` first (what they record
    after the copy would go to the file only). Then set `database:` to the URL. Run again on its
    own copy, nothing changed on either side since (every table's rows compared, the word index's
    aside: it is made from the papers), it says so and copies nothing (exit 0).

    \b
    Example:
      createdb digest
      PGHOST=db.example.org digest db migrate --to postgresql:///digest
    """
    from digest.dbcopy import copy_to_postgres
    from digest.dbcopy_again import AlreadyCopied

    config = obj.config
    if is_postgres(config.database):
        raise ConfigError("the config's database is PostgreSQL already; migrate copies from an SQLite file")
    if not is_postgres(target):  # the URL not quoted when it holds a password (POSTGRESQL://u:pw@h/db)
        got = "a URL holding a password (not shown)" if holds_password(target) else repr(target)
        raise ConfigError(f"--to must be a postgresql:// URL, got {got}")
    try:  # checked as `database:` will be, before anything is copied: the URL goes there next
        DatabaseRef()(target, Reading(base=config.path.parent))
    except Invalid as e:
        raise ConfigError(f"--to (the URL `database:` will hold) {'; '.join(map(str, e.problems))}") from None
    obj.postgres = target  # its errors are the target's, not the SQLite file's
    try:
        with RunLock(config.database).acquire("digest db migrate"):
            report = copy_to_postgres(config.database, target, progress=progress_for(obj))
    except AlreadyCopied as e:  # run again on its own copy, untouched: nothing to do but switch
        echo(str(e))
        url, note = for_config(target)
        echo(f"If not done yet, set `database: {url}` in {config.path}{note}, and start the workers.")
        return
    width = max(len(t) for t, _, _ in report.tables)
    for table, source, copied in report.tables:
        mark = "" if source == copied else "   MISMATCH"
        echo(f"  {table:<{width}}  {source:>9} -> {copied:>9}{mark}")
    if report.unindexed is None:
        echo(
            f"  (the word index copied; {counted(report.indexed, 'paper')} the source had not indexed "
            "yet, indexed)"
        )
    else:
        echo(
            "  (the word index copied; indexing the papers the source had not indexed yet was interrupted, "
            f"{report.unindexed} left: the workers' first pass indexes them)"
        )
    if report.noted:  # a file beside the SQLite database, a table on PostgreSQL: status lists them still
        echo(
            f"  (the readers whose digest could not be made, as the last pass noted them beside "
            f"{report.source}: {report.noted}, copied; `digest status` lists them until a worker's pass "
            "serves them or finds them no longer due: their send time's grace over, paused or removed)"
        )
    if not report.ok:
        raise StoreError(
            f"{report.target}: the row counts differ from {report.source}'s (MISMATCH above): keep using "
            "the SQLite database, and report this"
        )
    echo(f"Copied {report.source} into {report.target}: every table's rows are there.")
    url, note = for_config(target)
    echo(
        f"Now set `database: {url}` in {config.path}{note}, and start the workers. Until it is set, "
        # the commands named, not suggested to run: written without "digest ", which would have them
        # carry the --config given (digest.cli.suggested), as a command line to copy
        f"the ratings that `serve`'s pages and `feedback` record go to {report.source} only, "
        "not to the copy."
    )
    if report.unindexed is not None:
        echo("interrupted", err=True)
        sys.exit(130)


def for_config(target: str) -> tuple[str, str]:
    """The URL to write in `database:`, and a note: where ``target`` leaves out the host (and
    port) that PGHOST (and PGPORT) gave this command, with them, as a worker started elsewhere
    (systemd, another shell) has only what its config and its own environment say."""
    parts = urlsplit(target)
    host, port = os.environ.get("PGHOST", ""), os.environ.get("PGPORT", "")
    if parts.hostname or not host or "/" in host or "," in host:  # a socket folder, several hosts
        return target, ""
    given = "the host and port PGHOST and PGPORT" if port and not parts.port else "the host PGHOST"
    port = str(parts.port or port)
    netloc = f"{parts.username}@" * bool(parts.username) + url_host(host)
    netloc += f":{port}" * bool(port)
    return urlunsplit(parts._replace(netloc=netloc)), f" (with {given} gave this command)"
