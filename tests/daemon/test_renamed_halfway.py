"""A link of a removed reader followed while a new profile file is being saved in place: the web
process carries a reader over to the profile of their address (digest.daemon.renamed_link
.carried_for_link), so it must not judge by an address cut short, as a pass does not."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.renamed_eve import MON_0700, add_dump, yesterday
from helpers.writers import written_in_two_parts

from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import ROOT

ANN_LEE = 'interests: [neuromorphic]\nsend_at: "07:00"\nemail: ann@lab.com\n'


def saved_halfway(path: Path, pause: float) -> subprocess.Popen:
    """ann-lee's file saved in place, paused ``pause`` seconds after "email: ann@lab.co" (her
    address cut short: ann's)."""
    return written_in_two_parts(path, ANN_LEE, "m\n", pause)


def test_a_removed_readers_link_followed_while_a_newcomers_file_is_saved_gives_her_history_to_nobody(
    web_workspace,
):
    # ann <ann@lab.co> had yesterday's digest and her file went; ann-lee <ann@lab.com>, another
    # reader, is being added by an editor writing her file in place. Ann's old link (a rating),
    # followed while the file read "email: ann@lab.co", carried ann over to ann-lee for good
    # before: ann's ratings and schedule became hers, and ann's links opened ann-lee's page
    ws = web_workspace
    ws.profile("ann", ANN_LEE.replace("lab.com", "lab.co"))
    yesterday(ws, "ann")
    (ws.root / "profiles" / "ann.yaml").unlink()
    add_dump(ws, "d1.txt", "Mar 16", [("Neuromorphic Day One", "Spikes.")], MON_0700 - dt.timedelta(hours=6))
    with Store(ws.config.database) as store, store.transaction():
        store.db.execute("UPDATE deliveries SET recipient = 'ann@lab.co'")
        paper = store.papers()[0].id
    writer = saved_halfway(ws.root / "profiles" / "ann-lee.yaml", pause=1)
    signer = Signer.from_config(ws.config)
    client = create_app(ws.config, signer, lambda: MON_0700).test_client()
    old = signer.token("ann", MON_0700 - dt.timedelta(days=1))  # yesterday's digest's
    rate = {"rating": "up", "csrf": signer.form_token(old)}
    first = client.post(f"/u/{old}/rate/{paper}", data=rate)  # halfway through the save
    assert writer.wait(timeout=30) == 0
    assert first.status_code in (503, 410)  # wait and try again, or gone: never ann-lee's
    assert client.post(f"/u/{old}/rate/{paper}", data=rate).status_code == 410  # ann left
    with Store(ws.config.database) as store:
        assert store.ratings("ann-lee") == {}
        assert store.db.execute("SELECT user FROM schedule_state").fetchall() == [("ann",)]
        assert store.db.execute("SELECT count(*) FROM reader_renames").fetchone() == (0,)


def ann_served_yesterday(ws) -> None:
    """ann <ann@lab.co> had yesterday's digest (by this machine's clock: the commands below run as
    processes); a listing came after it, and another an hour ago: her next digest has both, a new
    reader's first the latest alone."""
    now = dt.datetime.now(dt.UTC)
    ws.profile("ann", ANN_LEE.replace("lab.com", "lab.co"))
    yesterday(ws, "ann", now)
    with Store(ws.config.database) as store, store.transaction():
        store.db.execute("UPDATE deliveries SET recipient = 'ann@lab.co'")
    day = f"{now:%b} {now.day}"
    add_dump(ws, "d1.txt", day, [("Neuromorphic Day One", "Spikes.")], now - dt.timedelta(hours=6))
    add_dump(ws, "d2.txt", day, [("Neuromorphic Day Two", "More spikes.")], now - dt.timedelta(hours=1))


def rank_next(ws, user: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "rank", user, "--next", "--json"]
    return subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)


def titles(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    return sorted(row["title"] for row in json.loads(done.stdout))


BOTH, LATEST = ["Neuromorphic Day One", "Neuromorphic Day Two"], ["Neuromorphic Day Two"]


@pytest.mark.parametrize(
    ("renamed", "ranked", "history"), [("ann-b", "ann-b", BOTH), (None, "ann-lee", LATEST)]
)
def test_the_next_digest_of_a_new_profile_is_told_by_files_read_whole(workspace, renamed, ranked, history):
    # `digest rank --next` (and `preview`) of a profile with no digest yet judge whose history it
    # goes on with by addresses (renamed.with_history). Before, they read the folder as it was:
    # ann-lee's file saved in place, read as "email: ann@lab.co", made ann's file renamed ann-b
    # (ann@lab.co) continue nobody (two new profiles with her address: a first digest, the latest
    # listing alone), and ann-lee herself, her file read so, continue ann (ann's next digest)
    ws = workspace
    ann_served_yesterday(ws)
    if renamed:
        (ws.root / "profiles" / "ann.yaml").rename(ws.root / "profiles" / f"{renamed}.yaml")
    else:
        (ws.root / "profiles" / "ann.yaml").unlink()
    writer = saved_halfway(ws.root / "profiles" / "ann-lee.yaml", pause=1.5)
    first = rank_next(ws, ranked)  # halfway through the save
    assert writer.wait(timeout=30) == 0
    if first.returncode:  # the file changed during its wait: said, and nothing shown
        assert "ann-lee's profile file is being saved" in first.stderr, first.stderr
    else:
        assert titles(first) == history
    assert titles(rank_next(ws, ranked)) == history  # the file whole
