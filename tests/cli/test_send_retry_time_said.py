"""`digest send` to a mail server that cannot be reached says, in each reader's row, the time the
outbox will try that digest again, to the second (as stored: outbox.next_attempt_at), and the
earliest of them in its error. The first retry comes under a minute after the send
(delivery.retry_first_seconds, jittered): to the minute, "waits until 09:20 UTC" of a send at
09:20:02 read as the send's own minute, for a retry at 09:20:59. Real SQLite, a real loopback port
nobody listens on."""

from __future__ import annotations

from digest.demo.smtp_server import free_port
from digest.store import Store

from conftest import Workspace, make_dump


def test_each_row_says_its_digest_s_retry_time_to_the_second(tmp_path):
    ws = Workspace(tmp_path, free_port())  # kept, not listening: the connection is refused
    for user in ("ada", "bob"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    done = ws.cli("send")
    with Store(ws.config.database) as store:
        stored = dict(store.db.execute("SELECT user, next_attempt_at FROM outbox").fetchall())
    assert done.exit_code == 1 and len(stored) == 2, done.output
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if "waits until" in line}
    for user, at in stored.items():
        said = f"could not be reached; waits until {at[:10]} {at[11:19]} UTC: "  # 2026-12-06T09:20:59+00:00
        assert said in rows[user], (rows[user], at)
    assert f"are retried from {min(stored.values())[:10]} {min(stored.values())[11:19]} UTC" in done.stderr
