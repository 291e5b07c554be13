"""The config's paths are relative to the config file (README), and a long-running `digest run` or
`digest serve` reads that file again when it changes. Named relatively (`DIGEST_CONFIG=../site/
config.yaml`, `--config ../site/config.yaml`), the file and every path inside it were found from the
process's current folder at each use: once that folder was removed (a checkout, a temporary folder
the daemon was started from), every pass failed "tick failed; retrying at the next poll: No such
file or directory", a dump in the inbox was never read, and a changed config never read again. They
are found from the config's folder as it was when the command started: the pass goes on, the config
is read again, the messages name the files whole. Real `digest run` and `digest serve` processes."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

from daemon_processes import stop_all, wait_until

from conftest import make_dump, write_dump

CONFIG = """\
database: digest.db
inbox: inbox
profiles: profiles
delivery:
  transport: file
  dir: out
scheduler:
  poll_seconds: 0.5
  settle_seconds: 0
"""


class Site:
    """site/config.yaml and its folders, and work/, the folder the commands are started from."""

    def __init__(self, root) -> None:
        self.root, self.site, self.work = root, root / "site", root / "work"
        for folder in ("inbox", "profiles", "out"):
            (self.site / folder).mkdir(parents=True)
        self.work.mkdir()
        (self.site / "config.yaml").write_text(CONFIG)
        (self.site / "profiles" / "ada.yaml").write_text(
            "email: ada@example.org\ninterests:\n  robotics: 2\n"
        )
        self.log = self.root / "out.log"

    def start(self, *command: str) -> subprocess.Popen:
        env = {**os.environ, "DIGEST_CONFIG": "../site/config.yaml", "PYTHONUNBUFFERED": "1"}
        with open(self.log, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "digest", "-v", *command],
                cwd=self.work,
                env=env,
                stdout=out,
                stderr=out,
            )

    def said(self) -> str:
        return self.log.read_text()


def test_a_daemon_started_with_a_relative_config_goes_on_after_its_folder_is_removed(tmp_path):
    s = Site(tmp_path)
    daemon = s.start("run")
    try:
        wait_until(lambda: "daemon started" in s.said(), 60, "the daemon's start", s)
        s.work.rmdir()  # the folder it was started from
        write_dump(s.site / "inbox" / "day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        wait_until(lambda: (s.site / "inbox" / "processed" / "day.txt").exists(), 60, "the dump read", s)
        (s.site / "config.yaml").write_text(CONFIG.replace("poll_seconds: 0.5", "poll_seconds: 0.6"))
        wait_until(lambda: "read again" in s.said(), 60, "the config read again", s)
    finally:
        stop_all([daemon])
    assert "No such file or directory" not in s.said()
    assert f"configuration {s.site / 'config.yaml'} read again" in s.said()


def test_serve_started_with_a_relative_config_answers_after_its_folder_is_removed(tmp_path):
    s = Site(tmp_path)
    server = s.start("serve", "--port", "0")
    try:
        wait_until(lambda: "  ada " in s.said(), 60, "serve's start, ada's link said", s)
        s.work.rmdir()
        link = next(line.split()[-1] for line in s.said().splitlines() if line.strip().startswith("ada "))
        with urllib.request.urlopen(link, timeout=60) as r:  # the page: her profile, the database read
            assert r.status == 200
    finally:
        stop_all([server])
