"""`digest profile set NEW paused ...` for a renamed profile file (ada.yaml renamed ada2.yaml, the
same address, no pass since): the carry-over it makes first, refused, saves nothing. Real `digest`
processes on a real profiles folder and database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from helpers.renamed_reader import (
    ADA,
    ada_bounced,
    ada_bounced_then_renamed_paused,
    ada_rated_then_renamed,
    digest,
)

from digest.daemon.agree import worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import AS_NOBODY, READING, WebWorkspace, Workspace

pytestmark = pytest.mark.backends


def bounced(ws: Workspace) -> list[tuple[str, str]]:
    with Store(ws.config.database) as store:
        return [(s.user, s.kind) for s in Suppressions(store).all()]


def test_unpausing_beside_workers_of_another_profiles_folder_saves_nothing(workspace):
    """The carry-over refused (the workers have ada.yaml still): the command said the settings'
    error and exited 1 with ada2.yaml already saved unpaused, ada's bounce not lifted."""
    ws = workspace
    text = ada_bounced_then_renamed_paused(ws)
    (ws.root / "workers").mkdir()
    workers = WebWorkspace(ws.root / "workers", 2525, database=str(ws.config.database))
    workers.profile("ada", ADA)  # the workers' folder: ada's file is there
    now = wall_clock()
    with Store(ws.config.database) as store:
        heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(workers.config))
    with RunLock(ws.config.database).acquire(worker="app1:7:abcd"):
        done = digest(ws, "profile", "set", "ada2", "paused", "false")
    assert done.returncode == 1 and done.stdout == ""
    assert "its settings differ from those of the workers on this database (worker app1:7:abcd)" in (
        done.stderr
    )
    path = ws.root / "profiles" / "ada2.yaml"
    assert f"nothing was saved: {path} keeps its paused as it was" in done.stderr
    assert path.read_text() == text
    assert bounced(ws) == [("ada", "bounce")]


def test_unpausing_one_of_two_new_profiles_with_the_gone_readers_address_saves_nothing(workspace):
    """ada3.yaml made with ada's address too: unpausing ada2 would leave none of them continuing
    ada. It saved ada2.yaml unpaused and exited 0 with "paused is false for ada2", ada's bounce
    not lifted (no reader's to lift), though the help says unpausing lifts it."""
    ws = workspace
    text = ada_bounced_then_renamed_paused(ws)
    ws.profile("ada3", ADA)

    done = digest(ws, "profile", "set", "ada2", "paused", "false")
    assert done.returncode == 1 and done.stdout == ""
    path = ws.root / "profiles" / "ada2.yaml"
    assert (
        "ada2 has the address <ada@example.org> of ada, whose profile file is gone, and so does ada3: none "
        f"of them continues ada yet, and nothing was saved: {path} keeps its paused as it was"
    ) in done.stderr
    assert path.read_text() == text
    assert bounced(ws) == [("ada", "bounce")]


def test_a_paused_new_profile_takes_no_part_in_which_continues_the_gone_reader(mail_workspace, smtp_server):
    """ada.yaml renamed ada2.yaml and paused, ada3.yaml made with her address, due now: the first
    pass said none of them continues ada and sent ada3 a digest of her own (a second one to that
    address that day), and the next pass, ada3 a reader now, carried ada over to ada2 ("ada2
    continues ada"): passes that disagreed, ada's history going to the paused profile."""
    ws = mail_workspace
    first, _ = ada_rated_then_renamed(ws)
    ws.profile("ada2", ADA + "paused: true\n")
    due = max(
        dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5), dt.datetime.now(dt.UTC).replace(hour=0, minute=0)
    )
    ws.profile("ada3", ADA + f'timezone: UTC\nsend_at: "{due:%H:%M}"\n')

    passes = [digest(ws, "run", "--once") for _ in range(2)]
    assert [p.returncode for p in passes] == [0, 0], passes[0].stderr + passes[1].stderr
    assert "ada3 continues ada (the same address <ada@example.org>" in passes[0].stderr
    assert "none of them continues" not in passes[0].stderr
    assert "continues ada" not in passes[1].stderr
    assert len(smtp_server.messages) == 1  # ada's: no second digest that day
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2", "ada3")}
        assert found == {"ada": {}, "ada2": {}, "ada3": {first: -1}}
        assert store.schedule_state("ada2") is None and store.schedule_state("ada3") is not None


def test_unpausing_in_a_profiles_folder_it_may_not_write_carries_nothing_over(workspace):
    """ada2.yaml and ada3.yaml paused with ada's address, `digest profile set ada3 paused false`
    run by an account that may not write the profiles folder: the carry-over to ada3 was made, then
    the write failed ("internal error: PermissionError ... please report it"), ada's history and
    bounce left under ada3 with both files still paused, which no pass would have done."""
    ws = workspace
    ada_bounced_then_renamed_paused(ws)
    ws.profile("ada3", ADA + "paused: true\n")
    folder = ws.root / "profiles"
    text = (folder / "ada3.yaml").read_text()
    (folder / ".ada3.yaml.lock").touch()  # an earlier edit's
    subprocess.run(["chmod", "-R", "a+rwX", str(ws.root)], check=True)
    folder.chmod(0o555)
    command = [*AS_NOBODY, *READING, sys.executable, "-m", "digest", "--config", str(ws.config_path)]
    done = subprocess.run(
        [*command, "profile", "set", "ada3", "paused", "false"], capture_output=True, text=True
    )
    folder.chmod(0o777)
    assert done.returncode == 1 and done.stdout == "", done.stdout + done.stderr
    path = folder / "ada3.yaml"
    fix = "make the profiles folder writable for this account, then run this again"
    assert f"error: cannot save {path}: Permission denied; {fix}" in done.stderr, done.stderr
    assert "nothing was saved" in done.stderr and "internal error" not in done.stderr
    assert path.read_text() == text and sorted(p.name for p in folder.glob(".*.tmp")) == []
    assert bounced(ws) == [("ada", "bounce")]
    with Store(ws.config.database) as store:
        assert store.schedule_state("ada") is not None and store.schedule_state("ada3") is None


def test_pausing_the_one_new_profile_not_paused_is_saved(workspace):
    """ada2.yaml paused, ada3.yaml not, both with ada's address (ada3 continues ada): `digest
    profile set ada3 paused true` was refused, "none of them continues ada yet, and nothing was
    saved", exit 1: mail to ada3 could not be stopped from the command line. A pause writes
    nothing under ada3's name, so none continuing ada after it is nothing to refuse."""
    ws = workspace
    ada_bounced_then_renamed_paused(ws)
    ws.profile("ada3", ADA)

    done = digest(ws, "profile", "set", "ada3", "paused", "true")
    assert done.returncode == 0, done.stderr
    path = ws.root / "profiles" / "ada3.yaml"
    assert done.stdout == f"paused is true for ada3; saved {path}\n"
    assert "ada2, ada3 have its address: none of them continues it" in done.stderr
    assert "paused: true" in path.read_text()
    assert bounced(ws) == [("ada", "bounce")]
    with Store(ws.config.database) as store:
        assert store.schedule_state("ada") is not None and store.schedule_state("ada3") is None


def test_profile_new_says_none_continues_the_gone_reader_when_another_new_profile_has_the_address(workspace):
    """ada.yaml gone, ada2.yaml made with her address (not paused), then `digest profile new ada3`
    with it too: it said "ada3 continues ada (...) (from the next `digest send` or daemon pass)",
    though that pass continues neither ("none of them continues it")."""
    ws = workspace
    ada_bounced(ws)
    (ws.root / "profiles" / "ada.yaml").unlink()
    ws.profile("ada2", ADA)
    new = ("profile", "new", "ada3", "--email", "ada@example.org", "-i", "neuromorphic")

    made = digest(ws, *new)
    assert made.returncode == 0, made.stderr
    assert "ada3 continues ada" not in made.stdout
    assert (
        "note: ada3 has the address <ada@example.org> of ada, whose profile file is gone, and so does "
        "ada2: none of them continues ada"
    ) in made.stdout
    status = digest(ws, "status")
    assert "continues ada" not in status.stdout and "none of them continues it" in status.stderr

    (ws.root / "profiles" / "ada3.yaml").unlink()
    ws.profile("ada2", ADA + "paused: true\n")  # the one made now is the only one not paused
    made = digest(ws, *new)
    assert made.returncode == 0, made.stderr
    assert "ada3 continues ada (the same address <ada@example.org>" in made.stdout
