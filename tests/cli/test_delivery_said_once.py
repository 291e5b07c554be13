"""A delivery deferred (4xx) or failed (5xx) is said once by `digest send` (its reader's row) and
`digest run --once` (its line), not a second time by their log on stderr ("WARNING
digest.deliver.results: digest to ada <ada@example.org> deferred until ...", "ERROR ... failed:
..."); the suppression of a bounced address, which only the log says, stays, with the command that
lifts it (`digest suppressed --release bob`, as `digest send` says it). Real processes, a
real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from helpers.terminal import digest

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump


class Refusing:
    """Defers ada's message (451), refuses bob's for good (550)."""

    async def handle_DATA(self, server, session, envelope):
        return "451 4.3.0 try later" if envelope.rcpt_tos[0].startswith("ada") else "550 5.1.1 no such user"


@pytest.mark.parametrize("command", [("send",), ("run", "--once")])
def test_a_deferred_and_a_failed_delivery_are_each_said_once(tmp_path, command):
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    with LocalSmtpServer(Refusing()) as server:
        ws = Workspace(tmp_path, server.port)
        for user in ("ada", "bob"):
            ws.profile(user, f'email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: "{send_at}"\n')
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        done = subprocess.run(digest(ws, *command), capture_output=True, text=True, cwd=ws.root, timeout=120)
    said = (done.stdout + done.stderr).splitlines()
    deferred = [line for line in said if "ada" in line and "451 4.3.0 try later" in line]
    failed = [line for line in said if "bob" in line and "550 5.1.1 no such user" in line]
    assert len(deferred) == 1 and len(failed) == 1, said
    assert "digest.deliver.results: digest to" not in done.stderr, done.stderr
    assert (  # and what lifts it, as `digest send` says it in bob's row from then on
        "address <bob@example.org> of bob suppressed: no more digests to it until "
        "`digest suppressed --release bob`"
    ) in done.stderr, done.stderr
    assert done.returncode == 1, done
