"""A removed reader's profile file back, read by a pass halfway through its save: the look at the
names (digest.daemon.names) tells the reader back from a newcomer by the file's address, so it
must not judge by an address cut short."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from test_due_readers import Clock
from test_edited_in_place import MON_0700, passes

from digest.daemon.service import Daemon
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import SmtpSender
from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends  # on SQLite and PostgreSQL

EVE = 'interests: [neuromorphic]\nsend_at: "07:20"\nemail: eve@example.org\n'


def test_an_unsubscribed_readers_file_back_read_halfway_keeps_them_unsubscribed(mail_workspace, smtp_server):
    # eve unsubscribed and her file went; a sync tool writing it back in place was read by a pass
    # with "email: eve@example.o": before, the look took her for a newcomer (another address),
    # dropped her unsubscribe and moved her history aside, and her next digest went out
    ws, clock = mail_workspace, Clock(MON_0700)
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
