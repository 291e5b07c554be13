"""`digest profile set USER paused ...`: what the database keeps of a pause. Unpausing lifts a hard
bounce, and both values an unsubscribe kept in the database (the file says it now); a renamed
file's reader (no pass since) is carried over to USER first, their suppression being the old name's.
The carry-over is made, or refused, before the file is saved: refused (another profiles folder
than the workers', another new profile with the gone reader's address), nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
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


def carrying_first(
    config: Config, carried: list[Carried], lifting: ExitStack, lifted: list[str]
) -> Callable[[Profile], None]:
    """For apply_edit's ``before_write``: :func:`carried_before_saving`, its carry-over added to
    ``carried``, then :func:`lifting_first`, its transaction held by ``lifting``."""

    def first(profile: Profile) -> None:
        carried.append(carried_before_saving(config, profile))
        lifting_first(config, profile, carried[-1], lifting, lifted)

    return first


def lifting_first(
    config: Config, profile: Profile, carried: Carried, lifting: ExitStack, lifted: list[str]
) -> None:
    """Lift the suppression that ``profile``'s ``paused`` value (as about to be saved) says no more,
    before the file is written, in a transaction ``lifting`` holds open over the write and commits
    after it: the database locked longer than the wait, the file is not written; the file not
    written (a full disk), the suppression stays. What was lifted is added to ``lifted``, to be
    said once ``lifting`` ended. ``carried``: the carry-over made before saving
    (:func:`carried_before_saving`)."""
    from digest.deliver.suppressions import UNSUBSCRIBE, Suppressions
    from digest.store import Store

    user = profile.user
    name = next((item.old for item in carried.waiting), user)  # put off: lifted under the old name
    store = lifting.enter_context(Store(config.database))
    kind = UNSUBSCRIBE if profile.paused else None
    if lifting.enter_context(Suppressions(store).releasing(name, kind)):
        lifted.append(
            f"{user}'s unsubscribe, kept in the database, is now in the file"
            if profile.paused
            else f"{user} is no longer suppressed: digests go to them again"
        )
