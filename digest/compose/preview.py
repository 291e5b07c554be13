"""What `digest send` would send a reader now, built by the same code, sending and marking nothing."""

from __future__ import annotations

import datetime as dt
import logging
import webbrowser
from dataclasses import replace
from pathlib import Path

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
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
) -> Outgoing:
    """The message for ``user`` (or for ``profile``, e.g. an unsaved edit) as `send` and the
    daemon would build it at ``now``: the reader's next digest (select.digests.next_digest).

    ``up_to``: the digest of that day instead (select.digests.digest_of_day): a past day's as
    it would have been, from the reader's history as it stood then.

    ``unsigned``: the reader's links without a signature (digest.signing.UnsignedLinks), the rest
    byte for byte the same: for a preview where the secret cannot be had.
    """
    from digest.daemon.renamed import history_name  # the renames' module: no import of it at load

    profile = profile or load_profile(config, user)
    with Store(config.database) as store:
        # a renamed profile file not carried over yet: chosen from the old name's history, as the
        # send carries it over first (digest.daemon.renamed), and not as a new reader's first digest
        history = replace(profile, user=history_name(config, store, profile, now))
        if up_to is not None:
            digest = digest_of_day(store, history, up_to, config=config, now=now)
        else:
            digest = next_digest(store, history, now, config=config)
    digest = replace(digest, profile=profile)
    return prepare(config, digest, renderer or Renderer.for_config(config), now, unsigned=unsigned)


def open_in_browser(path: Path) -> bool:
    """Open a file in the default browser; False when there is none."""
    return webbrowser.open(path.resolve().as_uri())
