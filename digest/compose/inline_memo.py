"""premailer's answers about a template, kept between runs: no premailer at start-up.

Pre-inlining a template (:mod:`digest.compose.preinline`) asks questions of premailer,
cssutils and lxml, each about a document made from the template alone: may its stylesheets
be applied once, what is the inlined document and where does each expression land in it, and
which start tag does premailer give a tag that a value carries (``<mark>``) in its place.
Loading those libraries and asking took some 0.3 s at every start of `digest send`,
`preview` or a daemon's tick, for answers that change only with the template.

The answers are kept in one file beside the database file itself (``<database>.inline.cache``,
whichever name a config gives the database, a symbolic link or not): JSON, a
mapping from a hash of the question (what is asked, about which document) to the answer,
under a stamp of what the answers depend on: the installed premailer, cssutils, cssselect and
lxml, and digest's own inlining code. It is only ever a shortcut: a missing, unreadable or stale
file means asking again, as without it, and writing the answers back (whole or not at all).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.files import write_atomic

log = logging.getLogger(__name__)

FORMAT = 1
# Whose answers these are: premailer, its CSS parser and selector matcher, and lxml (with the
# libxml2 its wheels carry inside).
LIBRARIES = ("premailer", "cssutils", "cssselect", "lxml")
CODE = ("inline.py", "preinline.py", "ascii_html.py")  # digest's own, beside this module


def stamp() -> str:
    """What the answers depend on: every file of each library's package folder as installed
    (name, size, modification time: an upgrade or a patch rewrites some) and the hash of
    digest's inlining code. Found without importing the libraries (some 200 files looked at)."""
    parts: list[Any] = [FORMAT]
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        files = []
        for folder in folders:
            for root, _, names in os.walk(folder):
                for file in names:
                    if file.endswith((".py", ".so", ".pyd")):
                        path = os.path.join(root, file)
                        st = os.stat(path)
                        files.append((os.path.relpath(path, folder), st.st_size, st.st_mtime_ns))
        parts.append((name, folders, sorted(files)))
    here = Path(__file__).parent
    code = hashlib.sha256(b"".join((here / name).read_bytes() for name in CODE)).hexdigest()
    parts.append(code)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()


class InlineMemo:
    """``memo.ask(kind, document, answer)``: ``answer(document)`` (JSON-able), from the file if
    it was asked before. Without a path it remembers nothing beyond this process."""

    def __init__(self, path: Path | None, read: Path | None = None) -> None:
        """``read``: where the answers are read, if not from ``path`` (digest.db.kept_beside)."""
        self.path, self.stamp, self.read_from = path, "", read or path
        if path is not None:
            try:
                self.stamp = stamp()
            except OSError as e:  # digest or a library without its files: no cache, no harm
                log.info("%s: inlining cache not used (%s)", path, e)
                self.path = None
        self.answers: dict[str, Any] = self._read() if self.path is not None else {}
        self.used: set[str] = set()  # the answers of this process: what the file keeps
        self.asked = 0  # questions answered by the libraries in this process

    def _read(self) -> dict[str, Any]:
        assert self.read_from is not None
        try:
            with open(self.read_from, encoding="utf-8") as f:
                kept = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.info("%s: inlining cache not used (%s)", self.read_from, e)
            return {}
        if not isinstance(kept, dict) or kept.get("stamp") != self.stamp:
            return {}
        answers = kept.get("answers")
        return answers if isinstance(answers, dict) else {}

    def ask(self, kind: str, document: str, answer: Callable[[str], Any]) -> Any:
        key = hashlib.sha256(f"{kind}\0{document}".encode("utf-8", "surrogatepass")).hexdigest()
        self.used.add(key)
        if key in self.answers:
            return self.answers[key]
        value = answer(document)
        self.answers[key] = value
        self.asked += 1
        self._save()
        return value

    def _save(self) -> None:
        """The answers this process used, written whole (those of a template changed since are
        dropped: the file does not grow with every edit)."""
        if self.path is None or not self.path.parent.is_dir():  # never makes the database's folder
            return
        try:
            kept = {key: self.answers[key] for key in self.used}
            text = json.dumps({"stamp": self.stamp, "answers": kept}, sort_keys=True)
            write_atomic(self.path, text, sync=False)
        except OSError as e:
            log.info("%s: inlining cache not written (%s)", self.path, e)
