"""The commands digest's messages suggest, as the user can copy them: with the config they gave.

A message says "`digest send --user ada --force`" where the library cannot know which config the
command runs with. A user who ran ``digest --config /srv/d/config.yaml send`` and copies it runs
it on another config (or none: "no such configuration file"). The command line says every
message, its log lines included, through :func:`carrying`, which puts ``--config PATH`` where
digest takes it, before the command: "`digest --config /srv/d/config.yaml send ...`", the path
whole (``--config ../d/config.yaml`` copied from a log read in another folder would name no file).
A config the copied command would find anyway ($DIGEST_CONFIG, else ./config.yaml) is not repeated.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from digest.config import find_config_path
from digest.shell_text import shell_word

# a command in a message, not one that says it already, nor `digest demo`: it takes no config (it
# writes its own), and the config named may be one not there ("no such configuration file")
_COMMAND = re.compile(r"`digest (?!--config |demo\b)")


def config_option(given: str | None) -> str:
    """``--config PATH `` for a command copied from a message or a log line, PATH whole (a copy is
    run from other folders than the one the command ran in: a log read later, another terminal),
    or "" when digest run without --config in the same shell finds that file anyway."""
    if not given:
        return ""
    try:
        same = Path(given).resolve() == find_config_path(None).resolve()
    except (OSError, RuntimeError):
        same = False
    whole = os.path.abspath(given)  # "a/../b" read as "b": os.getcwd() is the folder's real path
    if Path(whole).resolve() != Path(given).resolve():  # a "../" after a link: the kernel's way
        whole = os.path.join(os.getcwd(), given)
    return "" if same else f"--config {shell_word(whole)} "


def carrying(text: str, option: str) -> str:
    """``text`` with ``option`` (:func:`config_option`) in each `digest ...` command it suggests."""
    if not option or "`digest " not in text:
        return text
    return _COMMAND.sub(lambda _: f"`digest {option}", text)


class Carrying(logging.Filter):
    """On the command's log handlers: its log lines' commands carry the config too. The option is
    the process's, not a click context's: the daemon's scheduler threads say things too."""

    option = ""

    def filter(self, record: logging.LogRecord) -> bool:
        if self.option:
            try:
                said = record.getMessage()
            except Exception:  # noqa: BLE001 - a bad log call is logging's to report, not ours
                return True
            if "`digest " in said:
                record.msg, record.args = carrying(said, self.option), ()
        return True


_CARRYING = Carrying()


def carry(option: str) -> None:
    """From now on what the command says (:func:`said`) and logs (the root's handlers: its
    stderr) has ``option`` in its commands; ``""`` stops it (as the command ends, for a process
    that goes on: tests)."""
    _CARRYING.option = option
    for handler in logging.getLogger().handlers:
        if _CARRYING not in handler.filters:
            handler.addFilter(_CARRYING)


def said(message: object) -> object:
    """A message the command says, with the config the user gave in the commands it suggests."""
    return carrying(message, _CARRYING.option) if isinstance(message, str) else message
