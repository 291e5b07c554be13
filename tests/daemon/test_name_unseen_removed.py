"""A profile file no look saw (made since the last pass) that goes between `digest send`'s reading
of the profiles and its look leaves no removal (README, *Profiles*): the digest planned from it
is stored, and goes to its reader's address, or, the name given to someone else by `digest
profile new` meanwhile, to nobody (held as for a changed address). The send's steps as `digest
send` runs them (its reading, then send_now), `profile new` a real process between them, a real
SMTP server on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from digest.daemon.sendnow import send_now
from digest.db import wall_clock
from digest.deliver.outbox import FAILED, SENT, Outbox
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

BOB = "email: bob@example.org\ninterests: [robotics]\n"


def profile_new(ws: Workspace, user: str, email: str) -> subprocess.CompletedProcess[str]:
    """`digest profile new USER --email EMAIL`, a process of its own."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    cmd = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "profile", "new", user]
    return subprocess.run([*cmd, "--email", email, "-i", "robotics"], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("newcomer", [True, False], ids=["given-to-zed", "removed"])
def test_a_file_no_look_saw_gone_before_the_sends_look(tmp_path, database, newcomer):
    with LocalSmtpServer(Mailbox()) as server:
        ws = Workspace(tmp_path, server.port, database)
        ws.profile("abe", BOB.replace("bob@", "abe@"))
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
        assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0  # abe's: a look
        ws.profile("bob", BOB)  # made since: no look saw it
        profiles = load_profiles(ws.config)  # `digest send` reads the profiles ...
        (ws.root / "profiles" / "bob.yaml").unlink()
        if newcomer:
            made = profile_new(ws, "bob", "zed@example.net")
            assert made.returncode == 0 and "starts afresh" not in made.stdout, made  # nobody set apart
        with Store(ws.config.database) as store:  # ... then looks, plans, stores and sends
            send_now(ws.config, store, profiles, SmtpSender(ws.config.smtp), wall_clock())
            (bobs,) = Outbox(store).entries(user="bob")
        sent = [m.rcpt_tos for m in server.handler.messages]
        if newcomer:  # to neither address: held before it went, in the name's records
            assert sent == [["abe@example.org"]]
            assert bobs.status == FAILED and bobs.last_error.startswith(
                "not tried: the reader's address changed since the digest was made: their profile file "
                "says email: zed@example.net"
            )
        else:  # to the removed reader, as if removed just after; `profile new` then sets them apart
            assert sent == [["abe@example.org"], ["bob@example.org"]] and bobs.status == SENT
            assert "is kept apart as bob~removed-" in profile_new(ws, "bob", "zed@example.net").stdout
