"""A removed reader's profile file back, read by a pass halfway through its save: the look at the
names (digest.daemon.names) tells the reader back from a newcomer by the file's address, so it
must not judge by an address cut short."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers.hand_clock import MON_0700, Clock, passes, run_once

from digest.daemon.service import Daemon
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import SmtpSender
from digest.profiles import cache
from digest.profiles.watch import ProfileFolder
from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends  # on SQLite and PostgreSQL

EVE = 'interests: [neuromorphic]\nsend_at: "07:20"\nemail: eve@example.org\n'


def eve_unsubscribed_and_gone(ws, smtp_server) -> tuple[Path, Daemon, Clock]:
    """eve served on Monday at 07:20, unsubscribed at 07:25, her file found gone at 07:30 (with
    her address) by a daemon's passes; bob's file, due at 09:00, keeps the folder in use."""
    clock = Clock(MON_0700)
    ws.dump("d1.txt", make_dump("Mar 15", [("Neuromorphic Chips", "Spikes.")]), mtime=MON_0700)
    ws.profile("bob", 'email: bob@example.org\ninterests: [robots]\nsend_at: "09:00"\n')
    path = ws.profile("eve", EVE)
    d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    passes(d, clock, MON_0700, 0, 1, 20)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["eve@example.org"]]
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("eve", MON_0700 + dt.timedelta(minutes=25))
    path.unlink()
    passes(d, clock, MON_0700, 30)  # found gone, with her address
    return path, d, clock


def test_an_unsubscribed_readers_file_back_read_halfway_keeps_them_unsubscribed(mail_workspace, smtp_server):
    # eve unsubscribed and her file went; a sync tool writing it back in place was read by a pass
    # with "email: eve@example.o": before, the look took her for a newcomer (another address),
    # dropped her unsubscribe and moved her history aside, and her next digest went out
    ws = mail_workspace
    path, d, clock = eve_unsubscribed_and_gone(ws, smtp_server)
    cut = EVE.index("rg\n")  # the writer pauses a second and a half after "email: eve@example.o"
    write = f"import sys, time\nf = open(sys.argv[1], 'w')\nf.write({EVE[:cut]!r}); f.flush()\n"
    write += f"time.sleep(1.5)\nf.write({EVE[cut:]!r})\n"
    writer = subprocess.Popen([sys.executable, "-c", write, str(path)])
    while not (path.exists() and path.stat().st_size):
        time.sleep(0.01)
    passes(d, clock, MON_0700, 40)  # the pass reads the folder here, halfway through the save
    assert writer.wait(timeout=30) == 0
    passes(d, clock, MON_0700, 41, 24 * 60 + 20, 24 * 60 + 21)  # Tuesday's send time
    assert [m.rcpt_tos for m in smtp_server.messages] == [["eve@example.org"]]  # Monday's only
    with Store(ws.config.database) as store:
        assert Suppressions(store).unsubscribed("eve") is not None
        assert store.db.execute("SELECT live FROM reader_names WHERE user = 'eve'").fetchone() == (1,)
        assert store.db.execute("SELECT count(*) FROM outbox WHERE user = 'eve'").fetchone() == (1,)


def test_a_run_waits_once_for_a_file_back_written_during_its_wait(mail_workspace, smtp_server, monkeypatch):
    # before, a `run --once` that waited for a new file (ada's, written a moment ago) then waited
    # again, up to two seconds more, for eve's file back, written during that wait, which the run
    # did not read (a pass waited up to 4 s; a script writing 100 readers back, 4.1 s)
    ws = mail_workspace
    path, _, _ = eve_unsubscribed_and_gone(ws, smtp_server)
    ada = 'email: ada@example.org\ninterests: [robots]\nsend_at: "09:00"\n'
    ws.profile("ada", ada, in_place=True)  # new, just written in place: the run waits for it
    asked = []  # the waits the look at the names asked for
    monkeypatch.setattr(cache, "time", SimpleNamespace(time_ns=time.time_ns, sleep=asked.append))

    def scan_waits(seconds: float) -> None:  # the run's scan waits for ada's file: eve's comes back
        time.sleep(seconds)
        path.write_text(EVE)  # at the wait's end

    monkeypatch.setattr(ProfileFolder, "sleep", staticmethod(scan_waits))
    run_once(ws, 35)
    assert asked == []  # eve's file, not read by the run, is left to the next look
    time.sleep(2)
    run_once(ws, 36)  # the timer's next run: eve back with her address, still unsubscribed
    assert asked == []
    with Store(ws.config.database) as store:
        assert Suppressions(store).unsubscribed("eve") is not None
        assert store.db.execute("SELECT live FROM reader_names WHERE user = 'eve'").fetchone() == (1,)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["eve@example.org"]]
