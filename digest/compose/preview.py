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
from digest.select.digests import build_digests
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
    """The message for ``user`` (or for ``profile``, e.g. an unsaved edit) as `send` would build it.

    ``up_to``: as of that listing day: only papers listed on or before it count, and papers
    the reader was already sent (or has queued) are left out, exactly as for `send`.
    """
    profile = profile or load_profile(config, user)
    with Store(config.database) as store:
        (digest,) = build_digests(store, [profile], up_to=up_to, config=config)
    return prepare(config, digest, renderer or Renderer(config.templates), now)


def open_in_browser(path: Path) -> bool:
    """Open a file in the default browser; False when there is none."""
    return webbrowser.open(path.resolve().as_uri())
