"""ada's profile renamed ada2.yaml with no pass since, the carry-over of her name still to make: after
a rating (ada_rated_then_renamed), while a message of hers is being sent (ada_being_sent_then_renamed),
after a hard bounce and paused there (ada_bounced_then_renamed_paused); real `digest` processes.
Or ada (beside bad) sent a digest, then renamed ada-lee.yaml (renamed)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.store import Store, iso

from conftest import Workspace, make_dump

ADA = "email: ada@example.org\ninterests: [neuromorphic]\n"
PAPERS = [("Neuromorphic chip", "An event-driven chip."), ("Neuromorphic vision", "Event cameras.")]


def digest(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def ada_rated_then_renamed(ws: Workspace) -> tuple[int, int]:
    """ada's digest of PAPERS sent, the first paper rated down by her, then ada.yaml renamed
    ada2.yaml (the same address, no pass since): the two papers' ids, (first, second)."""
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(ws, "send").returncode == 0
    with Store(ws.config.database) as store:
        first, second = sorted(p.id for p in store.papers())
    assert digest(ws, "feedback", "ada", str(first), "down").returncode == 0
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada2.yaml")
    return first, second


def ada_bounced(ws: Workspace) -> None:
    """ada's profile, PAPERS ingested, her digest yesterday, then a hard bounce of her address."""
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(ws, "ingest").returncode == 0
    now = wall_clock()
    with Store(ws.config.database) as store, store.transaction():
        store.set_schedule_state("ada", (now - dt.timedelta(days=1)).date().isoformat(), now)
        Suppressions(store).add("ada", "ada@example.org", "550 5.1.1 no such user", now)


def ada_being_sent_then_renamed(ws: Workspace) -> int:
    """A message of ada's being sent by a worker right now (its claim held), then ada.yaml renamed
    ada2.yaml (no pass since): the carry-over is put off. The first paper's id."""
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(ws, "ingest").returncode == 0
    now = wall_clock()
    with Store(ws.config.database) as store:
        (paper, _) = sorted(p.id for p in store.papers())
        with store.transaction() as db:
            store.set_schedule_state("ada", now.date().isoformat(), now)
            Outbox(store).enqueue(
                user="ada", recipient="ada@example.org", message_id="<1@x>", subject="s", mime=b"m",
                paper_ids=[], now=now,
            )  # fmt: skip
            until = iso(now + dt.timedelta(minutes=5))
            db.execute("UPDATE outbox SET claimed_by = 'w2', claimed_until = ? WHERE user = 'ada'", (until,))
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada2.yaml")
    return paper


def ada_bounced_then_renamed_paused(ws: Workspace) -> str:
    """ada (a digest yesterday, then a hard bounce), her file renamed ada2.yaml and paused there:
    ada2.yaml's text."""
    ada_bounced(ws)
    (ws.root / "profiles" / "ada.yaml").unlink()
    ws.profile("ada2", ADA + "paused: true\n")
    return (ws.root / "profiles" / "ada2.yaml").read_text()


def renamed(ws) -> None:
    """ada and bad sent a digest, then ada.yaml renamed ada-lee.yaml (no send since)."""
    ws.dump("day.txt", make_dump("Mar 14", [("Spiking Networks", "Spiking networks on events.")]))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    assert ws.cli("send").exit_code == 0
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada-lee.yaml")
