"""What `digest send` would send a reader now, built by the same code, sending and marking nothing."""

from __future__ import annotations

import datetime as dt
import logging
import webbrowser
from pathlib import Path

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.models import Profile
from digest.profiles.load import load_profile
from digest.select.digests import next_digest
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
) -> Outgoing:
    """The message for ``user`` (or for ``profile``, e.g. an unsaved edit) as `send` and the
    daemon would build it at ``now``: the reader's next digest (select.digests.next_digest).

    ``up_to``: as of that listing day: only papers listed on or before it count.
    """
    profile = profile or load_profile(config, user)
    with Store(config.database) as store:
        digest = next_digest(store, profile, now, config=config, up_to=up_to)
    return prepare(config, digest, renderer or Renderer.for_config(config), now)


def open_in_browser(path: Path) -> bool:
    """Open a file in the default browser; False when there is none."""
    return webbrowser.open(path.resolve().as_uri())
