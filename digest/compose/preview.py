"""What `digest send` would send a reader now, built by the same code, sending and marking nothing."""

from __future__ import annotations

import datetime as dt
import logging
import webbrowser
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.dbfaults import takes_no_writes
from digest.files import counted, printable
from digest.ingest import inbox
from digest.models import Profile
from digest.profiles.load import load_profile
from digest.select.digests import digest_of_day, next_digest
from digest.store import Store

log = logging.getLogger(__name__)


def preview(
    config: Config,
    user: str,
    now: dt.datetime,
    *,
    up_to: dt.date | None = None,
    profile: Profile | None = None,
    renderer: Renderer | None = None,
    unsigned: bool = False,
    store: Store | None = None,
    continued: list[str] | None = None,
) -> Outgoing:
    """The message for ``user`` (or for ``profile``, e.g. an unsaved edit) as `send` and the
    daemon would build it at ``now``: the reader's next digest (select.digests.next_digest).

    ``up_to``: the digest of that day instead (select.digests.digest_of_day): a past day's as
    it would have been, from the reader's history as it stood then.

    ``unsigned``: the reader's links without a signature (digest.signing.UnsignedLinks), the rest
    byte for byte the same: for a preview where the secret cannot be had.

    ``store``: the database, open (:func:`preview_store`); by default opened for this alone.
    ``continued``: the name whose history the preview goes on with is appended to it (a renamed
    profile file not carried over yet: the old name; else the reader's own).
    """
    if store is None:
        with preview_store(config.database) as store:
            return preview(
                config,
                user,
                now,
                up_to=up_to,
                profile=profile,
                renderer=renderer,
                unsigned=unsigned,
                store=store,
            )
    from digest.daemon.renamed import with_history  # the renames' module: no import of it at load

    its_file = profile is None
    profile = profile or load_profile(config, user)
    # a renamed profile file not carried over yet: chosen from the old name's history, as the
    # send carries it over first (digest.daemon.renamed), and not as a new reader's first digest
    profile, name = with_history(config, store, profile, now, its_file=its_file)
    history = replace(profile, user=name)
    if continued is not None:
        continued.append(name)
    if up_to is not None:
        digest = digest_of_day(store, history, up_to, config=config, now=now)
    else:
        digest = next_digest(store, history, now, config=config)
    digest = replace(digest, profile=profile)
    return prepare(config, digest, renderer or Renderer.for_config(config), now, unsigned=unsigned)


def preview_store(database: Path | str) -> Store:
    """The store a preview and its notes read: opened for writing where the database takes
    writes, as a pass opens it (the preview brings the collection's counts up to date and keeps
    the embeddings it computes, for the digests after it); read-only where it takes none (a
    read-only file, folder or disk: a writable open cannot make SQLite's -wal and -shm files),
    which ranks once the papers stored are indexed (a pass or a preview where it may write)."""
    return Store(database, readonly=takes_no_writes(database))


def open_in_browser(path: Path) -> bool:
    """Open a file in the default browser; False when there is none."""
    return webbrowser.open(path.resolve().as_uri())


def waiting_in_inbox(config: Config) -> str | None:
    """What a preview of the next digest says of the dumps waiting in the inbox (not taken in
    yet): the daemon's pass and `digest send` take them in before the digests they send, so their
    papers may be in the email and are not in the preview; None: none waits."""
    waiting = inbox.candidates(config.inbox) if config.inbox.is_dir() else []
    if not waiting:
        return None
    verb, them = ("is", "it") if len(waiting) == 1 else ("are", "them")
    return (
        f"{counted(len(waiting), 'dump')} waiting in the inbox {verb} not in this preview "
        f"({', '.join(printable(p) for p in waiting)}): the daemon (`digest run`) and `digest send` "
        f"take {them} in before sending any digest; `digest ingest` takes {them} in now."
    )


def due_to_fetch(sources: list[str]) -> str | None:
    """What `digest send --dry-run` says of the sources due now (digest.daemon.fetching.due_now,
    their names), which `digest send` fetches before it sends and a dry run, writing nothing,
    does not: what they bring may be in the digests and is not in the listing; None: none is due."""
    if not sources:
        return None
    verb, them = ("is", "it") if len(sources) == 1 else ("are", "them")
    return (
        f"{counted(len(sources), 'source')} due {verb} not fetched for this dry run ({', '.join(sources)}): "
        f"`digest send` fetches {them} before sending the digests, as the daemon (`digest run`) does; "
        f"`digest fetch` fetches {them} now."
    )


def to_be_fetched(
    user: str, sources: list[tuple[str, dt.datetime]], now: dt.datetime, others: Collection[str] = ()
) -> str | None:
    """What a preview of the next digest says of the sources the daemon fetches before that
    digest goes out (digest.daemon.fetching.fetched_before_send: each source's name, and when:
    ``now``, due now), as `digest send` does once their time has come: what they bring may be in
    the email and is not in the preview; None: none. ``others``: the names of those due now for
    other readers' send times alone, which `digest send` of every reader fetches and `digest send
    USER` does not (it fetches what that reader's digest is due for)."""
    if not sources:
        return None
    verb, them = ("is", "it") if len(sources) == 1 else ("are", "them")
    said = []
    for name, at in sources:
        when = (
            "due now"
            if at <= now
            else f"at {at:%H:%M} UTC"
            if at.date() == now.date()
            else f"at {at:%Y-%m-%d %H:%M} UTC"
        )
        said.append(f"{name}, {when}")
    aside = ""  # `digest send USER` fetches what USER's digest is due for alone
    if theirs := [name for name, at in sources if at <= now and name in others]:
        are = "it is" if len(theirs) == 1 else "they are"
        named = "" if len(theirs) == len(sources) else f" for {', '.join(theirs)}"
        aside = f" (not `digest send --user {user}`{named}: {are} due for other readers' send times)"
    if all(at <= now for _, at in sources):  # a `digest send` now fetches them first too
        who = f"the daemon (`digest run`) and `digest send` fetch {them} before sending the digest{aside}"
    else:  # a send before their time sends the digest without them
        its = "its" if len(sources) == 1 else "their"
        who = (
            f"the daemon (`digest run`) fetches {them} before sending the digest, as `digest send` "
            f"does once {its} time has come{aside}"
        )
    return (
        f"{counted(len(sources), 'source')} to be fetched before {user}'s digest goes out {verb} not in this "
        f"preview ({'; '.join(said)}): {who}; `digest fetch` fetches {them} now."
    )


def unlisted_by(store: Store, config: Config, day: dt.date) -> str | None:
    """Why a digest of ``day`` has no listing to draw on (Store.untaken_by); None: it has."""
    untaken = store.untaken_by(day, config.sources)
    if untaken is None:
        return None
    if not untaken:
        return f"no stored listing is dated on or before {day}."
    return (
        f"no stored listing of a source in the config's `sources:` (nor a dump dropped in the inbox) "
        f"is dated on or before {day}; those of {', '.join(untaken)}, no longer in `sources:`, are not taken."
    )
