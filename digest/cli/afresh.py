"""Before a command prints a signed link (`digest profile url`, `digest serve`): a file made by hand
under a removed reader's name, no pass since, starts afresh (digest.daemon.names.start_afresh), so
the link, the newcomer's first, never opens the removed reader's history. The links are printed
whatever happens here; what kept the history where it was is said on stderr, as its own fault."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import click

from digest.config import Config
from digest.models import Profile


def start_afresh_before_links(
    config: Config, profiles: Sequence[Profile], now: dt.datetime, command: str, where: str
) -> None:
    """Move aside the history of a removed reader of any of ``profiles``' names (another address),
    said on stderr; ``command``: as the user runs it (for a refusal), ``where``: the names looked
    at, in words (``under ada``)."""
    from digest.daemon.names import start_afresh
    from digest.db import db_errors, is_postgres
    from digest.errors import ConfigError, DigestError
    from digest.store import Store

    if not is_postgres(config.database) and not Path(config.database).exists():
        return  # nobody's history
    links = "The link is" if len(profiles) == 1 else "The links are"
    try:
        with Store(config.database, readonly=True) as store:
            gone = {row[0] for row in store.db.execute("SELECT user FROM reader_names WHERE live = 0")}
        for p in profiles:
            if p.user in gone and (note := start_afresh(config, p, now, command=command)):
                click.echo(note, err=True)
    except ConfigError as e:  # the settings are not the running workers': what to do is theirs
        click.secho(
            f"note: a removed reader's history {where}, if any, was not moved aside: {e}. {links} printed "
            "all the same; until the workers' next pass moves that history aside, the page may show it",
            fg="yellow",
            err=True,
        )
    except (DigestError, *db_errors()) as e:
        click.secho(
            f"note: the database could not be read or written to move a removed reader's history {where} "
            f"aside, if any; until the next `digest send` or daemon pass does, the page may show it ({e})",
            fg="yellow",
            err=True,
        )
