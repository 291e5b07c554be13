"""With `delivery.transport: file` the daemon's pass writes its digests as files: a digest its pass
queued and did not write yet (stopped by SIGTERM between the two) was made for files, and a
`digest send --to-dir DIR` run next writes it (as it writes the rest of an interrupted `send
--to-dir`). Before, the pass stored it as made for email (outbox.for_files 0), and `--to-dir` left it,
saying "not written (made for email by a send by SMTP and not tried yet: the daemon's pass or `digest
send` sends it by SMTP)" in a folder with no mail server.

Real parts: the daemon's pass (run_once, its delivery not reached, as after a SIGTERM), the real
`digest send --to-dir` command, SQLite."""

from __future__ import annotations

import datetime as dt

from digest.daemon.tick import run_once
from digest.db import wall_clock
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump


def test_a_file_pass_stopped_before_writing_leaves_its_digests_to_to_dir(tmp_path):
    ws = Workspace(tmp_path)
    ws.config_path.write_text(
        "database: digest.db\ninbox: inbox\nprofiles: profiles\ndelivery:\n  transport: file\n  dir: mail\n"
    )
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    assert ws.cli("ingest").exit_code == 0
    now = wall_clock()
    at = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(7, 1), tzinfo=dt.UTC)
    config = ws.config
    with Store(config.database) as store:
        run_once(config, store, load_profiles(config), None, at, deliver=False)  # queued, not written
        rows = store.db.execute("SELECT user, status, attempts FROM outbox").fetchall()
    assert [tuple(r) for r in rows] == [("ada", "queued", 0)]

    looked = ws.cli("send", "--to-dir", str(tmp_path / "look"))
    assert looked.exit_code == 0, looked.output
    assert "not written" not in looked.stderr, looked.stderr  # before: "made for email by a send by SMTP"
    assert len(list((tmp_path / "look").glob("*.eml"))) == 1, looked.output
