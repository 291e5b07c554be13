"""`digest profile set USER paused ...`: what the database keeps of a pause. Unpausing lifts a hard
bounce, and both values an unsubscribe kept in the database (the file says it now); a renamed
file's reader (no pass since) is carried over to USER first, their suppression being the old name's."""

from __future__ import annotations

import click

from digest.cli.common import now_utc
from digest.config import Config
from digest.models import Profile


def lift_suppressions(config: Config, profile: Profile) -> None:
    """Lift the suppression that ``profile``'s ``paused`` value (as saved) says no more, said."""
    from digest.daemon.renamed_first import carried_first
    from digest.deliver.suppressions import UNSUBSCRIBE, Suppressions
    from digest.store import Store

    user = profile.user
    with Store(config.database) as store:
        # a renamed file's reader (no pass since): their suppression is the old name's
        carried = carried_first(config, store, profile, now_utc(), f"`digest profile set {user}`")
        for item in carried.done:
            click.echo(item.describe())
        name = next((item.old for item in carried.waiting), user)  # put off: lifted there
        if profile.paused:
            if Suppressions(store).release(name, UNSUBSCRIBE):
                click.echo(f"{user}'s unsubscribe, kept in the database, is now in the file")
        elif Suppressions(store).release(name):
            click.echo(f"{user} is no longer suppressed: digests go to them again")
