"""A folder really removed at a given moment of its listing, as another process (an unmount, a `mv`
of the data) may remove it: just before os.scandir lists it, or just after the listing is done.
The race that a real run meets now and then, made certain for a test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any


def removed_at_listing(monkeypatch: Any, folder: Path, *, after: bool = False) -> None:
    """``folder`` removed the first time os.scandir is asked to list it: before it lists it, or
    (``after``) once its listing is closed."""
    listing = os.scandir

    class Listed:
        def __init__(self, path: Any) -> None:
            self.entries = listing(path)

        def __enter__(self) -> Any:
            return self.entries.__enter__()

        def __exit__(self, *exc: Any) -> None:
            self.entries.__exit__(*exc)
            shutil.rmtree(folder)

    def scandir(path: Any = ".") -> Any:
        if not (
            isinstance(path, (str, os.PathLike)) and os.fspath(path) == os.fspath(folder) and folder.is_dir()
        ):
            return listing(path)
        if after:
            return Listed(path)
        shutil.rmtree(folder)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
