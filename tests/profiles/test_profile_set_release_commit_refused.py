"""`digest profile set USER paused false` for a reader unsubscribed in the database, whose disk is
full: the release is refused at its commit, after the profile file was written. Before: the command
failed (exit 1, the database's full disk said), yet the file said `paused: false`, the unsubscribe
still kept: what the command said was not done was half done. Now the file is put back as it was,
and running it again once the disk has room does it. A real `digest`, the database on a small
tmpfs filled by the test (skipped without root)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess

from helpers.database_disk import fill, small_disk
from helpers.full_disk import DIGEST

from digest.deliver.suppressions import Suppressions
from digest.store import Store

CY = "email: cy@example.org\ninterests: [spiking attention]\npaused: true\n"


def kept(workspace) -> bool:
    with Store(workspace.config.database) as store:
        return Suppressions(store).unsubscribed("cy") is not None


def test_a_release_the_full_disk_refuses_at_its_commit_leaves_the_file_as_it_was(workspace, tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(text.replace("database: digest.db", f"database: {disk}/digest.db"))
        workspace.profile("cy", CY)
        with Store(workspace.config.database) as store:
            Suppressions(store).unsubscribe("cy", dt.datetime.now(dt.UTC))
        holder = sqlite3.connect(disk / "digest.db")  # keeps the WAL there, emptied: a commit needs room
        try:
            holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            fill(disk)
            command = [
                str(DIGEST),
                "--config",
                str(workspace.config_path),
                "profile",
                "set",
                "cy",
                "paused",
                "false",
            ]
            refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
            said = refused.stdout + refused.stderr
            assert refused.returncode == 1, said
            assert (workspace.root / "profiles" / "cy.yaml").read_text() == CY, said
            assert kept(workspace)
            (disk / "filler").unlink()
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
            assert "paused: false" in (workspace.root / "profiles" / "cy.yaml").read_text()
            assert not kept(workspace)
        finally:
            holder.close()
