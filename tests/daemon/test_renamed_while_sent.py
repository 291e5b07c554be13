"""A renamed profile file (eve.yaml -> eve-smith.yaml) met by a `digest send` while a PostgreSQL
worker's pass holds eve's digest, at a slow SMTP server: the carry-over waits for that message
(digest.daemon.renamed), and the message goes to eve as made."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import threading

from helpers.clock_ahead import SEND_AHEAD
from helpers.machines import machine
from helpers.renamed_eve import rename, yesterday

from digest.daemon.names import name_taken_over
from digest.daemon.service import Daemon
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database


class SlowForTwo(Mailbox):
    """A real SMTP server that keeps ada's and bob's messages' data until ``go`` is set (a slow
    server); ``both``: it has both."""

    def __init__(self) -> None:
        super().__init__()
        self.both, self.go, self.at = threading.Event(), threading.Event(), set()

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos[0] in ("ada@example.org", "bob@example.org"):
            self.at.add(envelope.rcpt_tos[0])
            if len(self.at) == 2:
                self.both.set()
            while not self.go.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def renamed_while_held(tmp_path, ahead: float, meanwhile=None) -> tuple[SlowForTwo, str]:
    """app2's worker's pass holds ada's, bob's and eve's digests (two connections, at ada's and
    bob's); eve.yaml is renamed eve-smith.yaml, and a `digest send` on db1, whose clock is
    ``ahead`` s ahead, runs (``meanwhile``: that is run instead, given the workspace, and says
    what it made). The mailbox once the pass ended, and what the send said."""
    mailbox = SlowForTwo()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        (tmp_path / "db1").mkdir()
        ws = Workspace(tmp_path / "db1", server.port, database=url)
        app2 = machine(ws, tmp_path / "app2")
        app2.config_path.write_text(app2.config_path.read_text() + "delivery:\n  connections: 2\n")
        send_at = (wall_clock() - dt.timedelta(minutes=5)).strftime("%H:%M")
        for user in ("ada", "bob", "eve"):
            ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        yesterday(ws, "eve", wall_clock())
        worker = threading.Thread(target=Daemon(app2.config, wall_clock).run_once)
        worker.start()
        try:
            assert mailbox.both.wait(timeout=60)  # the worker holds the three digests
            rename(ws, "eve", "eve-smith")
            if meanwhile is not None:
                said = meanwhile(ws)
            else:
                command = [sys.executable, "-c", SEND_AHEAD, str(ws.config_path), str(ahead)]
                said = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
        finally:
            mailbox.go.set()
            worker.join(timeout=60)
    return mailbox, said


def sent_to(mailbox: Mailbox) -> list[str]:
    return sorted(m.rcpt_tos[0] for m in mailbox.messages)


def test_a_renamed_readers_digest_a_worker_holds_goes_though_a_send_puts_the_carry_over_off(tmp_path):
    """The send put the carry-over off (a message of eve's being sent), but its look wrote eve's
    file down as gone, so the worker came to eve's digest and held it as "a removed reader's
    (their profile file is gone)": eve-smith got no digest that day (her period done), its papers
    left to the next. A name whose carry-over waits is not written down gone: it is the reader's."""
    mailbox, said = renamed_while_held(tmp_path, 0)
    assert "eve-smith: nothing sent; continues eve from the next send or daemon pass" in said
    assert sent_to(mailbox) == ["ada@example.org", "bob@example.org", "eve@example.org"]  # was: no eve


def test_a_send_ahead_puts_the_carry_over_off_while_a_worker_holds_the_renamed_readers_digest(tmp_path):
    """A `digest send` 5 min ahead judged the worker's lease on eve's digest (2 min) ended on its
    own clock, and carried eve over at once: the worker, holding eve's digest as eve's, found her
    file gone and held it (eve-smith got none that day). The carry-over judges the lease on the
    database server's clock now: put off, as by a send in step."""
    mailbox, said = renamed_while_held(tmp_path, 300)
    assert "eve-smith: nothing sent; continues eve from the next send" in said  # was: made at once
    assert sent_to(mailbox) == ["ada@example.org", "bob@example.org", "eve@example.org"]  # was: no eve


def removed_cy_named_anew(ws: Workspace) -> str:
    """The steps `digest profile new cy` takes before it makes cy.yaml (digest.daemon.names
    .name_taken_over): cy, a reader whose file was removed, had a digest; the renames carried
    over, then the names looked at. The carry-overs made, said."""
    with Store(ws.config.database) as store, store.transaction():
        at = wall_clock() - dt.timedelta(days=2)
        store.set_schedule_state("cy", at.date().isoformat(), at)
        store.record_delivery("cy", "<cy@x>", "cy@example.org", [], at, in_transaction=True)
    return "; ".join(item.describe() for item in name_taken_over(ws.config, "cy", wall_clock()))


def test_a_renamed_readers_digest_a_worker_holds_goes_though_profile_new_puts_the_carry_over_off(tmp_path):
    """`digest profile new cy` (a removed reader's name given anew) carries the renames over and
    looks at the names, as a pass does: it put eve's carry-over off (a message of eve's being
    sent), but its look wrote eve's file down as gone, so the worker held eve's digest as "a
    removed reader's (their profile file is gone)" and eve-smith got none that day. Its look, as
    a send's, does not write down gone a name whose carry-over waits."""
    mailbox, said = renamed_while_held(tmp_path, 0, removed_cy_named_anew)
    assert said == ""  # eve's carry-over put off: none made
    assert sent_to(mailbox) == ["ada@example.org", "bob@example.org", "eve@example.org"]  # was: no eve
