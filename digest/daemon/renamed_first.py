"""A command that writes a reader's records under their name (`digest feedback`, `digest profile
set USER paused`) carries a renamed file's reader over to that name first, as a link of the old
name does (digest.daemon.renamed_link.carried_for_link): a rating stored under ``ada2`` before the
carry-over would give ``ada2`` records of her own, and the next pass would then take her for a new
reader (``ada``'s history, ratings and links left behind for good)."""

from __future__ import annotations

import datetime as dt

from digest.config import Config
from digest.daemon.agree import FOLDER, refuse_if_apart
from digest.daemon.renamed import Carried, Continued, carry, known_readers, pending, wait_whole
from digest.deliver.suppressions import same_address
from digest.models import Profile
from digest.store import Store


def carried_first(
    config: Config,
    store: Store,
    profile: Profile,
    now: dt.datetime,
    what: str,
    *,
    shared: list[tuple[Continued, list[str]]] | None = None,
) -> Carried:
    """The carry-over to ``profile``'s name, made now (``done``) or put off (``waiting``: a message
    of the old name being sent by a worker; nothing may be written under the new name until the
    next pass); neither: no rename to carry over. Cheap for a reader with a digest (one look-up).
    The new names' files are waited for whole first, as a pass reads them (an address cut short
    by a save under way would carry another reader over). ``shared``: given the gone reader this
    profile would continue were it alone, and the other new profiles with that address, when
    none continues it (a record written under this name alone would make the other continue it;
    one of them continuing it, the only one not paused, is nothing to refuse).
    A config whose profiles folder is not the workers' carries nothing over: ConfigError naming
    ``what`` (the command, as the user runs it), as `digest send` refuses. ``profile`` may be its
    file as it is about to be saved (`profile set`: refused, nothing is), judged as the others are.
    ``by_other``: the gone reader this profile would continue, continued by another new profile
    (this one paused, the other the only one not paused)."""
    from digest.profiles.load import load_profiles_lenient, profile_names

    if known_readers(store, [profile.user]):
        return Carried([], [])
    if not (alone := pending(config, store, [profile], now)):
        return Carried([], [], _by_other(config, store, profile, now))
    newcomers = (profile_names(config) or set()) - known_readers(store)
    wait_whole(config, newcomers, f"{profile.user}'s records, which go on from a renamed file's reader,")
    every = load_profiles_lenient(config)[0]  # two new profiles with its address continue neither
    every = [profile if p.user == profile.user else p for p in every]  # as it is about to be saved, if so
    found = pending(config, store, every, now)
    items = [c for c in found if c.new == profile.user]
    taken = any(c.old == alone[0].old for c in found)  # by the only one of them not paused
    if not items and not taken and shared is not None and not known_readers(store, [profile.user]):
        email = alone[0].email  # none continues it: another new profile has that address too
        others = [p.user for p in every if p.user != profile.user and same_address(p.email, email)]
        if others := [u for u in others if not known_readers(store, [u])]:
            shared.append((alone[0], others))
    if items:  # another profiles folder than the workers' would move a live reader's history
        refuse_if_apart(store, config, what, now, beside=True, keys=FOLDER)
    done, waiting = carry(store, items, now, waiting=(waiting := [])), waiting
    other = next((c for c in found if c.old == alone[0].old and c.new != profile.user), None)
    return Carried(done, waiting, other)


def _by_other(config: Config, store: Store, profile: Profile, now: dt.datetime) -> Continued | None:
    """The gone reader another new profile with this paused one's address continues, this one
    continuing none (records of its own: a rating of it while paused, as `digest feedback` makes)."""
    from digest.profiles.load import load_profiles_lenient

    if not profile.paused:
        return None
    found = pending(config, store, load_profiles_lenient(config)[0], now)
    return next((c for c in found if c.new != profile.user and same_address(c.email, profile.email)), None)


def said_for_new(config: Config, store: Store, profile: Profile, now: dt.datetime | None = None) -> list[str]:
    """What `profile new` says of ``profile``, just made, with a gone reader's address: that it
    continues them from the next pass, or, another new profile with that address too (neither
    the only one not paused), that none of them does, as the pass will log."""
    from digest.profiles.load import load_profiles_lenient

    if not (alone := pending(config, store, [profile], now)):
        return []
    every = load_profiles_lenient(config)[0]
    found = pending(config, store, every, now)
    if taker := next((c for c in found if c.old == alone[0].old), None):
        return [f"{taker.describe()} (from the next `digest send` or daemon pass)"]
    item = alone[0]
    others = [p.user for p in every if p.user != profile.user and same_address(p.email, item.email)]
    names = ", ".join(u for u in others if not known_readers(store, [u]))
    return [
        f"note: {profile.user} has the address <{item.email}> of {item.old}, whose profile file is gone, "
        f"and so does {names}: none of them continues {item.old} (from the next `digest send` or daemon "
        f"pass each not paused is a new reader, {item.old}'s history left behind). Say which continues "
        f"{item.old} by renaming the others' files back or giving them other addresses"
    ]
