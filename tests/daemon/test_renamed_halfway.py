"""A link of a removed reader followed while a new profile file is being saved in place: the web
process carries a reader over to the profile of their address (digest.daemon.renamed
.carried_for_link), so it must not judge by an address cut short, as a pass does not."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

from test_renamed_profile import MON_0700, add_dump, yesterday

from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

ANN_LEE = 'interests: [neuromorphic]\nsend_at: "07:00"\nemail: ann@lab.com\n'


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
    path = ws.root / "profiles" / "ann-lee.yaml"
    cut = ANN_LEE.index("m\n")  # the writer pauses a second after "email: ann@lab.co"
    write = f"import sys, time\nf = open(sys.argv[1], 'w')\nf.write({ANN_LEE[:cut]!r}); f.flush()\n"
    write += f"time.sleep(1)\nf.write({ANN_LEE[cut:]!r})\n"
    writer = subprocess.Popen([sys.executable, "-c", write, str(path)])
    while not (path.exists() and path.stat().st_size):
        time.sleep(0.01)
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
