"""What a missing configuration file is told: the folder it was looked for in, and a file of
that name close by (a folder above, or the other spelling of .yaml) to pass instead; and an
environment variable the config names that is not set, when one of a close name is."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

OTHER_SPELLING = {".yaml": ".yml", ".yml": ".yaml"}


def missing_config(path: Path) -> str:
    """The message for a configuration file not found at ``path`` (as given)."""
    if path.is_absolute():
        where, full = "", path
    else:
        try:
            folder = Path.cwd()
        except FileNotFoundError:  # the shell's folder was removed while it was in it
            return (
                f"{path}: no such configuration file: the current folder no longer exists (removed "
                "while this shell was in it): cd to the config's folder, or pass --config PATH"
            )
        where, full = f" in {folder} (the current folder)", folder / path
    near = nearby(full)
    if near is not None:
        return (
            f"{path}: no such configuration file{where}; there is {near}: pass --config {near} "
            "(paths inside it are relative to it, so any folder will do)"
        )
    return (
        f"{path}: no such configuration file{where}. Copy {example_config()} to {path} and edit "
        "it, pass --config PATH, or set DIGEST_CONFIG (or try `digest demo`)"
    )


def example_config() -> Path:
    """config.example.yaml: inside an installed wheel, digest/config.example.yaml (pyproject's
    force-include); in a source checkout, the one beside digest/."""
    package = Path(__file__).resolve().parent  # digest/
    packaged = package / "config.example.yaml"
    return packaged if packaged.is_file() else package.parent / "config.example.yaml"


def nearby(path: Path) -> Path | None:
    """The same name with the other spelling beside it, else the same name in a folder above."""
    other = OTHER_SPELLING.get(path.suffix.lower())
    if other and path.with_suffix(other).is_file():
        return path.with_suffix(other)
    for folder in path.parent.parents:
        if (folder / path.name).is_file():
            return folder / path.name
    return None


def close_variable(name: str) -> str:
    """' (but $DIGEST_SECRET is: a misspelt name?)' when a variable of a close name is set: the
    fix is the name in the config (a new secret made under the misspelt one revokes every link)."""
    return said_close(close_name(name))


def said_close(close: str | None) -> str:
    """:func:`close_variable` of a name whose :func:`close_name` is known: ``close``."""
    return f" (but ${close} is: a misspelt name?)" if close else ""


def close_name(name: str) -> str | None:
    """The set environment variable of a name close to ``name`` (case aside), if any."""
    names = {key.upper(): key for key in os.environ if key != name}
    close = difflib.get_close_matches(name.upper(), list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None
