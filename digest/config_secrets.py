"""Where the secrets come from: never the YAML file. The SMTP password from the environment
variable ``smtp.password_env`` names; the signing secret of the links from ``web.secret_env``'s
variable or the file ``web.secret_file``, read again when that file changes. Each says what is
missing and how to mend it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from digest.config_missing import close_name, close_variable, said_close
from digest.errors import ConfigError, SecretUnavailable
from digest.file_stamps import file_stamp
from digest.shell_text import shell_word

MIN_SECRET_CHARS = 16


def smtp_password(username: str | None, password_env: str | None) -> str | None:
    """smtp.password: the password from the environment variable ``password_env`` names, or None
    when no login is configured (no ``username``)."""
    if not username:
        return None
    if not password_env:
        raise ConfigError(
            "smtp.username is set but smtp.password_env is not: name the environment "
            "variable that holds the SMTP password (e.g. password_env: DIGEST_SMTP_PASSWORD)"
        )
    value = os.environ.get(password_env)
    if value is None:
        raise ConfigError(
            f"smtp.password_env names ${password_env}, but that environment variable "
            f"is not set{close_variable(password_env)}: export it before sending (a server "
            f"that takes mail without a login: remove smtp.username: {username!r})"
        )
    return value


def signing_secret(secret_env: str | None, secret_file: Path | None) -> bytes | None:
    """web.secret: the signing secret, or None when neither ``web.secret_env`` nor ``web.secret_file``
    is configured."""
    if secret_env and secret_file:
        raise ConfigError("web.secret_env and web.secret_file both name the signing secret: keep one of them")
    if secret_file:
        return _secret_from_file(secret_file)
    if not secret_env:
        return None
    value = os.environ.get(secret_env)
    if value is None:
        close = close_name(secret_env)
        new = (  # not the command that makes a new secret: under a misspelt name, it is a second one
            f"if so, write secret_env: {close} in the config, not a new secret (another revokes every "
            "link of the emails already sent); else export it with the secret the links are signed "
            "with"
            if close
            else "export it with the secret the links are signed with (the same for `send`, `run`, "
            "`serve` and `preview`); only the first time a new one "
            f"(`export {secret_env}=$(openssl rand -hex 32)`): another revokes every link of "
            "the emails already sent"
        )
        raise SecretUnavailable(
            f"web.secret_env names ${secret_env}, but that environment variable is not set"
            f"{said_close(close)}: {new}",
            f"${secret_env} is not set",
        )
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"${secret_env} is too short ({len(value)} characters): use at least "
            f"{MIN_SECRET_CHARS} random characters (e.g. `openssl rand -hex 32`)"
        )
    return value.encode("utf-8")


def _secret_from_file(path: Path) -> bytes:
    try:  # read once while the file is unchanged (a message is signed per reader)
        value = _read_secret(path, file_stamp(path))
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        named = shell_word(str(path))  # pasted as it is: a folder /home/o'brien/my digest
        raise SecretUnavailable(
            f"web.secret_file: cannot read {path}: {why}; write a random secret there "
            f"(e.g. `openssl rand -hex 32 > {named}; chmod 600 {named}`)",
            f"cannot read {path}: {why}",
        ) from None
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"web.secret_file: the secret in {path} is too short ({len(value)} characters): use at "
            f"least {MIN_SECRET_CHARS} random characters "
            f"(e.g. `openssl rand -hex 32 > {shell_word(str(path))}`)"
        )
    return value.encode("utf-8")


@functools.lru_cache(maxsize=8)
def _read_secret(path: Path, stamp: tuple[int, int, int, int] | None) -> str:
    return path.read_text(encoding="utf-8").strip()
