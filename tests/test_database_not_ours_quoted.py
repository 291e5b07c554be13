"""The chgrp and chmod digest gives for a database (and its folder) another account owns name the
paths quoted for the shell they are pasted into, as its other suggested commands do
(digest.shell_text): a folder /srv/o'brien papers. Before: `chgrp GROUP /srv/o'brien papers
/srv/o'brien papers/digest.db`, which bash reads as an unfinished quote (a space alone: chmod of
"/srv/o'brien" and "papers", files not there).

Real parts: real `digest ingest` processes, as root and as the account nobody (setpriv), the
commands said run by bash (GROUP, the placeholder, given as the user would: nobody's group)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from helpers.listed_as import ADA, digest, listed

from conftest import AS_NOBODY, READING, Workspace, a_minute_ago, make_dump

NOBODY = (*AS_NOBODY, *READING)


def test_the_chgrp_and_chmod_said_name_a_folder_with_a_quote_and_a_space_as_pasted():
    if os.geteuid() != 0:
        pytest.skip("running as other accounts needs root")
    with tempfile.TemporaryDirectory() as name:  # not under tmp_path, whose parents only root may search
        root = Path(name) / "o'brien papers"
        root.mkdir()
        Path(name).chmod(0o755)
        root.chmod(0o755)
        ws = Workspace(root)
        ws.profile("ada", ADA)
        listed(ws, "a.txt", "Neuromorphic Chips", preexec_fn=functools.partial(os.umask, 0o022))
        day = f"{dt.datetime.now(dt.UTC):%b %d}"
        dump = ws.dump(
            "b.txt",
            make_dump(day, [("Neuromorphic Vision", "Spikes.")]),
            where="elsewhere",
            mtime=a_minute_ago(),
        )
        database = root / "digest.db"
        done = digest(ws, "ingest", str(dump), before=NOBODY)
        assert done.returncode == 1, done.stderr
        said = " ".join(done.stderr.split())
        both = f'"{root}" "{database}"'  # was: /tmp/.../o'brien papers /tmp/.../o'brien papers/digest.db
        (chgrp,) = re.findall(r"`(chgrp GROUP [^`]*)`", said)
        (chmod,) = re.findall(r"`(chmod g\+w [^`]*)`", said)
        assert (chgrp, chmod) == (f"chgrp GROUP {both}", f"chmod g+w {both}"), said
        for command in (chgrp.replace("GROUP", "nogroup"), chmod):
            ran = subprocess.run(
                ["bash", "-c", command], cwd=name, capture_output=True, text=True, timeout=30
            )
            assert ran.returncode == 0 and not ran.stderr, (command, ran.stderr)
        done = digest(ws, "ingest", str(dump), before=NOBODY)
        assert done.returncode == 0 and "1 new paper" in done.stdout, done.stderr
