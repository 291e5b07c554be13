"""A digest made and queued but never tried (a `digest send` stopped with Ctrl-C before it offered
it to the server) is said by the next `digest send --dry-run` as "already queued today at 19:38 UTC;
waiting, not tried yet (`digest send` sends it)". Before, "waiting (`digest send` retries it)",
as of one the server had deferred: nothing was ever tried, so nothing is retried. One the server
deferred still says "retries it" (tests/deliver/test_refusals_after_data.py). One a `send --to-dir`
made and did not write (stopped with Ctrl-C) is said "waiting, not tried yet (made by a `send
--to-dir`: `digest send --to-dir` writes it, `digest send` emails it)": its interruption said
"`digest send --to-dir DIR` writes the rest", and `digest send` alone (by SMTP) takes it too.

Real parts: a real `digest send` process, a real SIGINT, aiosmtpd on loopback holding the third
message's MAIL FROM until the send says it is stopping (helpers/send_process.untried_after_stop: the
signal lands while that message is on its way; for `--to-dir`, as its first file is written),
SQLite."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time

from helpers.faked import clock_at, digest_at, needs_faketime
from helpers.send_process import SlowMail, readers_to_send, untried_after_stop

from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace

READERS = 4
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # each command's clock: one day, whenever the test runs
LATER = SENT + dt.timedelta(minutes=1)
MADE_FOR_FILES = "made by a `send --to-dir`: `digest send --to-dir` writes it, `digest send` emails it"


def at_sent() -> dict[str, str]:
    """The environment of a process whose clock reads SENT as it starts (libfaketime): each command in
    one day (at the real time, a send stopped at 23:59:5x and the dry run after midnight were of two
    days, the dry run's rows the earlier digest's and the new day's: "too many values to unpack")."""
    return clock_at(SENT, {**os.environ, "TZ": "UTC"})


@needs_faketime
def test_a_digest_never_tried_is_not_said_to_be_retried(tmp_path):
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        untried = untried_after_stop(ws, handler, READERS, at=SENT)  # made, stored, not tried
        dry = digest_at(ws, "send", "--dry-run", at=LATER)
    for user in untried:
        (line,) = [line for line in dry.stdout.splitlines() if line.startswith(f"{user} ")]
        assert " already queued today at 12:00 UTC; " in line, line
        assert line.endswith("waiting, not tried yet (`digest send` sends it)"), line
        assert "retries" not in line, line  # was: "waiting (`digest send` retries it)"


@needs_faketime
def test_a_digest_a_send_to_dir_did_not_write_is_said_written_by_it(tmp_path):
    ws = Workspace(tmp_path, 1)  # no mail server: none is asked
    out = tmp_path / "out"
    send = subprocess.Popen(
        [*readers_to_send(ws, 60, at=SENT), "--to-dir", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=at_sent(),
    )
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(out.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.002)
    send.send_signal(signal.SIGINT)
    out_, err = send.communicate(timeout=120)
    assert send.returncode == 130 and f"`digest send --to-dir {out}` writes the rest" in err, out_ + err
    with Store(ws.config.database) as store:
        rows = store.db.execute(
            "SELECT user FROM outbox WHERE status = 'queued' AND attempts = 0 AND for_files = 1"
        ).fetchall()
    untried = sorted(r[0] for r in rows)
    assert untried, out_ + err  # made by the `--to-dir`, not written: the case of this test
    dry = digest_at(ws, "send", "--dry-run", at=LATER)
    for user in untried:
        (line,) = [line for line in dry.stdout.splitlines() if line.startswith(f"{user} ")]
        assert " already queued today at 12:00 UTC; " in line, line
        assert line.endswith(f"waiting, not tried yet ({MADE_FOR_FILES})"), line
        assert "(`digest send` sends it)" not in line, line  # was so: it was made for files
    written = digest_at(ws, "send", "--to-dir", str(out), at=LATER)  # as said
    for user in untried:
        (line,) = [line for line in written.stdout.splitlines() if line.startswith(f"{user} ")]
        assert "written to" in line, line
