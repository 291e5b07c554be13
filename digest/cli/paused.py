"""`digest profile set USER paused ...`: what the database keeps of a pause. Unpausing lifts a hard
bounce, and both values an unsubscribe kept in the database (the file says it now); a renamed
file's reader (no pass since) is carried over to USER first, their suppression being the old name's.
The carry-over is made, or refused, before the file is saved: refused (another profiles folder
than the workers', another new profile with the gone reader's address), nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from digest.cli.common import echo, now_utc
from digest.config import Config
from digest.daemon.renamed import Carried
from digest.models import Profile


def carried_before_saving(config: Config, profile: Profile) -> Carried:
    """The renamed file's reader carried over to ``profile`` (the file as it is about to be saved),
    said; refused: DigestError naming the file, which is left as it is."""
    from digest.cli.papers import say_shared
    from digest.daemon.renamed_first import carried_first
    from digest.errors import ConfigError
    from digest.store import Store

    unsaved = f"nothing was saved: {profile.source} keeps its paused as it was"
    shared: list[Any] = []
    # a pause writes nothing under this name: none continuing the gone reader then is no refusal
    pausing = None if profile.paused else shared
    with Store(config.database) as store:
        try:
            carried = carried_first(
                config, store, profile, now_utc(), f"`digest profile set {profile.user}`", shared=pausing
            )
        except ConfigError as e:  # the settings are not the running workers': what to do is theirs
            raise ConfigError(f"{e}; {unsaved}") from None
    why = (
        "({old}'s hard bounce or kept unsubscribe, which paused lifts, is no one's until one continues {old})"
    )
    say_shared(shared, unsaved, why=why)
    for item in carried.done:
        echo(item.describe())
    return carried


def carrying_first(config: Config, carried: list[Carried]) -> Callable[[Profile], None]:
    """For apply_edit's ``before_write``: :func:`carried_before_saving`, its carry-over added to
    ``carried``."""
    return lambda profile: carried.append(carried_before_saving(config, profile))


def lift_suppressions(config: Config, profile: Profile, carried: Carried) -> None:
    """Lift the suppression that ``profile``'s ``paused`` value (as saved) says no more, said;
    ``carried``: the carry-over made before saving (:func:`carried_before_saving`)."""
    from digest.deliver.suppressions import UNSUBSCRIBE, Suppressions
    from digest.store import Store

    user = profile.user
    name = next((item.old for item in carried.waiting), user)  # put off: lifted under the old name
    with Store(config.database) as store:
        if profile.paused:
            if Suppressions(store).release(name, UNSUBSCRIBE):
                echo(f"{user}'s unsubscribe, kept in the database, is now in the file")
        elif Suppressions(store).release(name):
            echo(f"{user} is no longer suppressed: digests go to them again")
