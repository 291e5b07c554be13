"""A broken profile in the daemon's log: said once when it is found broken, again when its
content changes and it is still broken, and when it is read again or gone; not at every poll
(it was: a file broken over a weekend was the same line every `poll_seconds` until Monday)."""

from __future__ import annotations

import datetime as dt
import logging
import os

from digest.daemon.service import Daemon
from digest.files import write_atomic

GOOD = "email: bob@example.org\ninterests: [control]\n"
RESCAN = dt.timedelta(seconds=301)  # scheduler.profiles_rescan_seconds: an edit in place is seen


def said(caplog) -> list[str]:
    """What the daemon's log says of bob's file, whichever module says it."""
    return [r.getMessage() for r in caplog.records if "bob.yaml" in r.getMessage()]


def test_a_broken_profile_is_said_once_again_when_it_changes_and_when_it_is_read_again_or_gone(
    mail_workspace, caplog
):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    bob = ws.profile("bob", GOOD + "max_papers: lots\n")
    now = [dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)]
    daemon = Daemon(ws.config, lambda: now[0])
    caplog.set_level(logging.INFO)

    def polls(n: int = 3, later: dt.timedelta = RESCAN) -> list[str]:
        caplog.clear()
        for _ in range(n):
            now[0] += later
            daemon.tick()
        return said(caplog)

    (first,) = polls(5, dt.timedelta(seconds=60))
    assert first.startswith(f"profile skipped: {bob}: invalid profile") and "line 3: max_papers" in first
    assert "said again only if it changes" in first

    stamp = bob.stat().st_mtime_ns
    os.utime(bob, ns=(stamp + 10**9, stamp + 10**9))  # touched, not changed: nothing to say
    assert polls() == []

    bob.write_text(GOOD + "max_papers: 0\n")  # edited in place, still broken
    (changed,) = polls()
    assert changed.startswith(f"profile skipped again, changed: {bob}: invalid profile")
    assert "line 3: max_papers" in changed and "lots" not in changed

    bob.write_text(GOOD)  # fixed
    assert polls() == [f"profile {bob} read again: its reader is served from now on"]

    # broken again: said again, once (saved by a rename: a save in place a moment before the folder
    # is read keeps the last reading until it is two seconds old, see digest.profiles.watch)
    write_atomic(bob, GOOD + "send_at: [\n", whole=True)
    (again,) = polls()
    assert again.startswith(f"profile skipped: {bob}: not valid YAML")

    bob.unlink()
    assert polls() == [f"profile {bob} no longer skipped: the file is gone"]
    assert polls() == []


def test_each_run_once_says_the_broken_profiles_it_skips(mail_workspace, caplog):
    """`digest run --once` (cron) is a new process each time: it says them every run."""
    ws = mail_workspace
    bob = ws.profile("bob", GOOD + "max_papers: lots\n")
    caplog.set_level(logging.INFO)
    for _ in range(2):
        Daemon(ws.config, lambda: dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)).run_once()
    assert [m.split(": invalid")[0] for m in said(caplog)] == [f"profile skipped: {bob}"] * 2


def test_a_profiles_folder_gone_is_said_once_and_its_return_too(mail_workspace, caplog):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    folder = ws.root / "profiles"
    now = [dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)]
    daemon = Daemon(ws.config, lambda: now[0])
    daemon.tick()
    caplog.set_level(logging.INFO, logger="digest.daemon.skipped")
    folder.rename(ws.root / "elsewhere")  # a disk not mounted
    for _ in range(3):
        now[0] += RESCAN
        daemon.tick()
    (gone,) = [r.getMessage() for r in caplog.records if r.name == "digest.daemon.skipped"]
    assert gone.startswith(f"profiles skipped: {folder}: the profiles folder does not exist")
    assert "; no reader gets a digest until it is fixed" in gone
    caplog.clear()
    (ws.root / "elsewhere").rename(folder)
    now[0] += RESCAN
    daemon.tick()
    assert [r.getMessage() for r in caplog.records if r.name == "digest.daemon.skipped"] == [
        "the profiles folder is read again"
    ]


def test_a_profile_linked_outside_the_folder_is_never_read_for_the_log_either(
    mail_workspace, caplog, tmp_path
):
    """Such a link is refused without being read (profiles.load.check_inside); telling whether
    it changed must not read it either (a link to /dev/zero or to a FIFO would never end): a
    change of what it points to is not said, a change of the link is."""
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(GOOD)
    bob = ws.root / "profiles" / "bob.yaml"
    bob.symlink_to(outside)
    now = [dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)]
    daemon = Daemon(ws.config, lambda: now[0])
    caplog.set_level(logging.INFO)

    def polls() -> list[str]:
        caplog.clear()
        for _ in range(2):
            now[0] += RESCAN
            daemon.tick()
        return said(caplog)

    (first,) = polls()
    assert first.startswith(f"profile skipped: {bob}: is a symbolic link to a file outside")
    outside.write_text(GOOD + "# another line\n")
    assert polls() == []
    other = tmp_path / "other.yaml"
    other.write_text(GOOD)
    bob.unlink()
    bob.symlink_to(other)
    (changed,) = polls()
    assert changed.startswith(f"profile skipped again, changed: {bob}: is a symbolic link")
