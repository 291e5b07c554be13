"""ada and eve, each sent a digest of both PAPERS, ada's rated and bounced (the `ws` fixture, on a web
workspace), and what becomes of a removed reader's name (zed after ada, kim removed by a worker
ahead): for the tests of a newcomer under a removed reader's name."""

from __future__ import annotations

import datetime as dt
import os
import select
import subprocess
import time

import pytest

from digest.daemon.sendnow import send_now
from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import SECRET, WebWorkspace, make_dump

PAPERS = [("Robotics Today", "Robots that grasp."), ("Planning for Robots", "Planning grasps.")]
ADA = "email: ada@example.org\ninterests: [robotics]\n"
ZED = "email: zed@example.net\ninterests: [robotics]\n"


@pytest.fixture
def ws(tmp_path, smtp_server, database, monkeypatch):
    """ada and eve, each sent a digest of both papers; ada rated one up and bounced (a 5xx)."""
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    web_workspace = WebWorkspace(tmp_path, smtp_server.port, database)
    web_workspace.profile("ada", ADA)
    web_workspace.profile("eve", ADA.replace("ada@", "eve@"))
    web_workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert web_workspace.cli("ingest").exit_code == 0
    web_workspace.ada_signed = wall_clock().replace(microsecond=0)  # ada's emails' links
    assert web_workspace.cli("send").exit_code == 0
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["ada@example.org", "eve@example.org"]
    with Store(web_workspace.config.database) as store:
        web_workspace.ids = {p.title: p.id for p in store.papers()}
        Suppressions(store).add("ada", "ada@example.org", "550 mailbox gone", wall_clock())
    assert web_workspace.cli("feedback", "ada", str(web_workspace.ids["Robotics Today"]), "up").exit_code == 0
    return web_workspace


def records(ws, user: str) -> dict[str, int]:
    tables = (
        "schedule_state",
        "period_digests",
        "outbox",
        "deliveries",
        "sent_papers",
        "ratings",
        "suppressions",
    )
    with Store(ws.config.database) as store:
        counts = {
            t: store.db.execute(f"SELECT COUNT(*) FROM {t} WHERE user = ?", (user,)).fetchone()[0]
            for t in tables
        }
    return {t: n for t, n in counts.items() if n}


def archived(ws) -> list[str]:
    with Store(ws.config.database) as store:
        return sorted({u for (u,) in store.db.execute("SELECT user FROM schedule_state")} - {"ada", "eve"})


def zed_after_ada(ws) -> None:
    """ada's file removed and found gone by a send, then a new ada.yaml made by hand for zed, in a
    later second than the removal (links are signed to the whole second), no pass since."""
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0  # ada's file found gone
    with Store(ws.config.database) as store:
        (gone,) = store.db.execute("SELECT gone_at FROM reader_names WHERE user = 'ada'").fetchone()
    while wall_clock().replace(microsecond=0) <= dt.datetime.fromisoformat(gone):
        time.sleep(0.05)  # zed's link signed in a later second than the removal (whole seconds)
    ws.profile("ada", ZED)


def kim_removed_by_a_worker_ahead(ws) -> None:
    """kim's digest made by a worker whose clock is 1.5 s ahead, kim's file removed and found gone
    by a send (as late as that digest: its links are the removed kim's), in a later second than
    now; a new kim.yaml for zed made by hand at once, no pass since."""
    ws.profile("kim", ADA.replace("ada@", "kim@"))
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, wall_clock() + dt.timedelta(seconds=1.5))
    (ws.root / "profiles" / "kim.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    ws.profile("kim", ZED)


HANG = 300  # seconds: ends a server that hangs, times nothing


def until_link(proc: subprocess.Popen[str], user: str) -> list[str]:
    """The lines `digest serve` prints up to ``user``'s link (waits for them: nothing is timed).
    Read from the pipe as they come: a readline could take more lines than it returns into its
    buffer, which select() does not see, and wait for more that never come."""
    printed = ""
    while True:
        lines = [line for line in printed.splitlines(keepends=True) if line.endswith("\n")]  # whole
        for i, line in enumerate(lines):
            if line.strip().startswith(f"{user} "):
                return lines[: i + 1]
        assert select.select([proc.stdout], [], [], HANG)[0], "digest serve printed no link"
        more = os.read(proc.stdout.fileno(), 65536).decode()
        assert more, printed + proc.stderr.read()
        printed += more
