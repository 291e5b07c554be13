"""An open page polls GET /u/<token>/version every 1.5 s, whose answer says whether its reader's
profile file reads (``unreadable``). The file's YAML is parsed again only when the file changed on
disk since the last poll (its identity: inode, size, modification and change times; digest.profiles
.load.Versions), or while it was written within the last two seconds (a save under way, or a second
save within the same tick of a coarse clock): a poll parsed it every time (more than half of a
poll's CPU for a profile of 100 interests, the most one may have). A file replaced whole (renamed
into place, as `digest profile`, an editor or a sync tool does) within the same second, its size
and modification time the same, is still seen at the next poll: it is another file."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from pathlib import Path

from digest.files import write_atomic
from digest.profiles.load import Versions
from digest.signing import Signer
from digest.web.versions import readable

from conftest import NOW

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BROKEN = PROFILE.replace("robotics: 2", "robotics: [")  # the same size
assert len(BROKEN) == len(PROFILE)


def replaced(path: Path, text: str) -> None:
    """``path`` replaced whole by ``text`` (a new file renamed into place), its modification time
    set to the one before, to the nanosecond: only its inode and change time tell it apart."""
    before = path.stat()
    write_atomic(path, text, whole=True, sync=False)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def unreadable(url: str) -> bool:
    with urllib.request.urlopen(url) as answer:
        return "unreadable" in json.load(answer)


def test_a_file_replaced_within_the_same_second_is_seen_at_the_next_poll(web_workspace):
    ws = web_workspace.with_ada(PROFILE)
    path = ws.root / "profiles" / "ada.yaml"
    url = f"{ws.base_url}/u/{Signer.from_config(ws.config).token('ada', NOW)}/version"
    with ws.serve():
        assert not unreadable(url)
        assert not unreadable(url)  # the poll's own reading kept
        replaced(path, BROKEN)
        assert unreadable(url)
        replaced(path, PROFILE)
        assert not unreadable(url)


def test_a_settled_file_is_parsed_once_and_its_replacement_again(web_workspace, caplog):
    """On a clock five seconds after the file was written (settled: not a save under way)."""
    ws = web_workspace.with_ada(PROFILE)
    path = ws.root / "profiles" / "ada.yaml"
    known = Versions(ws.config, clock=lambda: time.time_ns() + 5_000_000_000)
    caplog.set_level(logging.DEBUG, logger="digest.profiles.load")

    def parsed() -> int:
        return sum("changed since it was read" in r.getMessage() for r in caplog.records)

    assert readable(path, known) and readable(path, known) and readable(path, known)
    assert parsed() == 1  # before: parsed at every poll
    replaced(path, BROKEN)
    assert not readable(path, known)  # another file: parsed again
    assert not readable(path, known)
    assert parsed() == 2
