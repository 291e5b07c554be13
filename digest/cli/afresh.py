"""Before a command prints a signed link (`digest profile url`, `digest serve`): a file made by hand
under a removed reader's name, no pass since, starts afresh (digest.daemon.names.start_afresh), so
the link, the newcomer's first, never opens the removed reader's history. The links are printed
whatever kept the history where it was (said on stderr, as its own fault), but for a file under a
removed reader's name that cannot be read (:func:`unreadable`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digest.cli.common import echo, secho
from digest.config import Config
from digest.errors import ProfileError
from digest.models import Profile


def names_gone(config: Config) -> set[str]:
    """The names whose file a look wrote down gone (the database only read; none without one)."""
    from digest.db import is_postgres
    from digest.store import Store

    if not is_postgres(config.database) and not Path(config.database).exists():
        return set()  # nobody's history
    with Store(config.database, readonly=True) as store:
        return {row[0] for row in store.db.execute("SELECT user FROM reader_names WHERE live = 0")}


def past_removals(config: Config, names: set[str]) -> None:
    """Return once the clock is past the second any of ``names`` was last found gone (or the
    removed reader's last message made, if later): a link signed within it is the removed reader's
    (410), so the links printed next, the newcomers', are signed later (digest.daemon.newcomer)."""
    from digest.daemon.newcomer import past_second_of
    from digest.store import Store

    with Store(config.database, readonly=True) as store:
        found = store.db.execute("SELECT user, gone_at FROM reader_names WHERE gone_at IS NOT NULL")
        newest = max((at for user, at in found if user in names), default=None)
    if newest:
        past_second_of(dt.datetime.fromisoformat(newest))


def unreadable(config: Config, user: str, error: ProfileError) -> str:
    """`profile url` of a file that cannot be read: what to say of it, the link printed after. Under
    a removed reader's name, refused (ProfileError): the file's address decides whether their
    history is moved aside, so a link printed now would open it once the file is fixed."""
    from digest.db import db_errors
    from digest.errors import DigestError

    try:
        gone = user in names_gone(config)
    except (DigestError, *db_errors()):
        return f"note: {error} (whether {user} takes a removed reader's name was not looked at)"
    if gone:
        raise ProfileError(
            f"{error}\n{user} is the name of a reader whose profile was removed: whether their history "
            "(papers sent, ratings) is kept apart from this file's reader depends on the file's address, so "
            "no link is printed (it would open that history once the file is fixed); fix the file, then "
            f"run `digest profile url {user}` again"
        )
    return f"note: {error}"


def start_afresh_before_links(
    config: Config, profiles: Sequence[Profile], now: dt.datetime, command: str, where: str
) -> None:
    """Move aside the history of a removed reader of any of ``profiles``' names (another address),
    said on stderr, and return once the links may be signed (:func:`past_removals`); ``command``:
    as the user runs it (for a refusal), ``where``: the names looked at, in words (``under ada``)."""
    from digest.daemon.names import start_afresh
    from digest.db import db_errors
    from digest.errors import ConfigError, DigestError

    links = "The link is" if len(profiles) == 1 else "The links are"
    try:
        gone = names_gone(config)
        for p in profiles:
            if p.user in gone and (note := start_afresh(config, p, now, command=command, known_gone=True)):
                echo(note, err=True)
        if taken := {p.user for p in profiles} & gone:
            past_removals(config, taken)
    except ConfigError as e:  # the settings are not the running workers': what to do is theirs
        secho(
            f"note: a removed reader's history {where}, if any, was not moved aside: {e}. {links} printed "
            "all the same; until the workers' next pass moves that history aside, the page may show it",
            fg="yellow",
            err=True,
        )
    except (DigestError, *db_errors()) as e:
        secho(
            f"note: the database could not be read or written to move a removed reader's history {where} "
            f"aside, if any; until the next `digest send` or daemon pass does, the page may show it ({e})",
            fg="yellow",
            err=True,
        )


def carried_before_link(config: Config, profile: Profile, now: dt.datetime) -> None:
    """A renamed file's reader (``ada.yaml`` renamed ``ada2.yaml``, no pass since) carried over to
    ``profile``'s name before a link of it is printed (said on stderr), as `digest feedback` does:
    a rating or an unsubscribe through the link would give the new name records of its own, and
    the next pass take it for a new reader. Put off (a message of the old name being sent), or two
    new profiles with the gone reader's address: DigestError, no link printed."""
    from digest.cli.papers import say_put_off, say_shared
    from digest.daemon.renamed_first import carried_first
    from digest.db import db_errors
    from digest.errors import ConfigError, DigestError
    from digest.store import Store

    shared: list[Any] = []
    try:
        with Store(config.database) as store:
            carried = carried_first(
                config, store, profile, now, f"`digest profile url {profile.user}`", shared=shared
            )
    except ConfigError as e:  # the settings are not the running workers': what to do is theirs
        secho(
            f"note: no renamed file's reader was carried over to {profile.user}: {e}", fg="yellow", err=True
        )
        return
    except (DigestError, *db_errors()) as e:
        secho(
            f"note: the database could not be read or written to carry a renamed file's reader over to "
            f"{profile.user}, if any ({e}); until the next `digest send` or daemon pass does, a rating "
            "through the link may make them a new reader",
            fg="yellow",
            err=True,
        )
        return
    for item in carried.done:
        echo(item.describe(), err=True)
    by = "a rating or an unsubscribe through a link of {new}"
    say_put_off(carried, "no link was printed", by)
    say_shared(shared, "no link was printed", by)
