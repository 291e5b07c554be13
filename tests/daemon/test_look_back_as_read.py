"""A look (digest.daemon.names.look) at files back takes each one's address from the pass's own
reading of it (digest.profiles.cache.settled_reading) when the file is still the version the pass
read (inode, size, modification and change times): files back were read whole a second time
(8,000: 1.05 s of a look's CPU, 0.30 s without; benchmarks/bench_look_gone.py --kind back --read).
A file changed between the pass's reading and the look (another address saved since, renamed into
place or written in place) is read as it is now, and decides as it reads now.

Real parts: a SQLite database as an earlier look wrote it, a real profiles folder read by the
pass's reading (digest.profiles.load.read_profiles, through the profile cache)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from digest.config import Config
from digest.daemon import names
from digest.models import Profile
from digest.profiles.cache import ProfileCache
from digest.profiles.load import read_profiles
from digest.store import Store

from conftest import Workspace

GONE = "2026-03-01T00:00:00+00:00"
LOOKED = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files the tests write are read as settled (written more than two seconds before)."""
    monkeypatch.setattr(ProfileCache, "clock", staticmethod(lambda: time.time_ns() + 60_000_000_000))


def removed(ws: Workspace, *users: str) -> None:
    """``users`` written down gone by an earlier look, each with their address then."""
    with Store(ws.config.database) as store, store.transaction():
        for user in users:
            store.db.execute("INSERT INTO reader_names (user, live, gone_at) VALUES (?, 0, ?)", (user, GONE))
            store.db.execute(
                "INSERT INTO reader_name_removals (user, gone_at, address) VALUES (?, ?, ?)",
                (user, GONE, f"{user}@example.org"),
            )


def looked(ws: Workspace) -> dict[str, int]:
    """The look, then each name's removals left (0: its reader back, the removal undone)."""
    with Store(ws.config.database) as store:
        names.look(ws.config, store, LOOKED)
        rows = store.db.execute("SELECT user, COUNT(*) FROM reader_name_removals GROUP BY user").fetchall()
    return {user: count for user, count in rows}


def test_a_file_back_as_the_pass_read_it_is_not_read_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for user in ("ada", "bob", "cy"):
        workspace.profile(user, f"email: {user}@example.org\ninterests: [chips]\n")
    removed(workspace, "ada", "bob", "cy")
    read_profiles(workspace.config)  # the pass's scan
    opened: list[str] = []  # the files the look reads (each still read, as it was)
    real = names.load_profile_file

    def read(path: Path, config: Config) -> Profile:
        opened.append(path.name)
        return real(path, config)

    monkeypatch.setattr(names, "load_profile_file", read)
    assert looked(workspace) == {}  # each reader back
    assert opened == []


def test_a_file_changed_since_the_pass_read_it_reads_as_it_is_now(workspace: Workspace) -> None:
    for user in ("ada", "bob", "cy"):
        workspace.profile(user, f"email: {user}@example.org\ninterests: [chips]\n")
    removed(workspace, "ada", "bob", "cy")
    read_profiles(workspace.config)  # the pass's scan, then: ada's file saved anew, bob's edited in place
    workspace.profile("ada", "email: newcomer@example.org\ninterests: [chips]\n")
    bob = workspace.root / "profiles" / "bob.yaml"
    stamp = os.stat(bob)
    bob.write_text("email: bib@example.org\ninterests: [chips]\n")  # the same size, times set back
    os.utime(bob, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert looked(workspace) == {"ada": 1, "bob": 1}  # new readers: the removals kept; cy back
