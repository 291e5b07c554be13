"""What the last pass could not do for some readers, for `digest status`: a small JSON file
beside the database file itself (``digest.db.readers``: the same whichever name a config gives
it, a symbolic link or not), rewritten after every pass, best effort. One a release before left
beside a link (``link.db.readers``) is not read: it would outlive the readers' fixes (a pass
through the file itself never sees it), where a pass writes the note anew; a pass through that
link removes it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from digest.db import real_file, sidecar
from digest.files import write_atomic

log = logging.getLogger(__name__)


def _path(database: Path) -> Path:
    return sidecar(real_file(database), ".readers")


def write_reader_failures(database: Path, failures: dict[str, str], now: dt.datetime) -> None:
    path = _path(database)
    try:
        if failures:
            write_atomic(path, json.dumps({"at": now.isoformat(), "readers": failures}, indent=1) + "\n")
        else:
            path.unlink(missing_ok=True)
        named = sidecar(database, ".readers")  # a release before's, through a link to the file;
        if os.path.realpath(named) != os.path.realpath(path):  # not the one just written, by a linked folder
            named.unlink(missing_ok=True)
    except OSError as e:
        log.error("%s: cannot note the readers the pass failed: %s", path, e)


def read_reader_failures(database: Path) -> tuple[dt.datetime | None, dict[str, str]]:
    try:
        raw = json.loads(_path(database).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(raw["at"]), {str(k): str(v) for k, v in raw["readers"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, {}
