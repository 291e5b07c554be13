"""A reader's signed preferences link, as their emails carry it (`digest profile url`)."""

from __future__ import annotations

import datetime as dt

from digest.config import Config, ConfigError
from digest.profiles.load import find_profile_file
from digest.signing import Signer, add_secret_env


def reader_url(config: Config, user: str, now: dt.datetime) -> str:
    """The signed preferences link of ``user``, as it appears in their emails (signed at ``now``)."""
    signer = Signer.from_config(config)
    if not config.base_url or signer is None:
        # the secret's line as `digest send` says it: under a `web:` the config has (a second is refused)
        raise ConfigError(
            "the preferences links need base_url and web.secret_env (or web.secret_file) in the config "
            f"(e.g. base_url: https://digest.example.org; for the secret, {add_secret_env(config)})"
        )
    find_profile_file(config, user)
    return f"{config.base_url}/u/{signer.token(user, now)}"
