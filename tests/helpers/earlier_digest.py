"""ada, a reader whose first day's digest (its one paper, "Neuromorphic Chips") the tests of an
earlier digest waiting for its retry have the server defer, and her rows of `digest send`'s table."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from digest.daemon.service import Daemon
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from helpers.faked import digest_at
from helpers.machines import machine
from helpers.paused_send import one_day_ahead, send_paused_while

from conftest import Workspace, make_dump, postgres_database


def ada_with_chips(tmp_path, port: int, database: str) -> Workspace:
    """A workspace on the SMTP server at ``port`` and ``database``: ada (no zone: UTC's day), and
    the first day's dump, whose one paper is hers."""
    ws = Workspace(tmp_path, port, database=database)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day1.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    return ws


def rows_of_ada(done: Any) -> list[str]:
    """ada's rows of a `digest send` process's table, without her name and address."""
    return [" ".join(line.split()[2:]) for line in done.stdout.splitlines() if line.startswith("ada ")]


class Defers(Mailbox):
    """A real SMTP server that defers every message (451)."""

    def __init__(self) -> None:
        super().__init__()
        self.tries = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        return "451 4.3.0 try again later"


@contextlib.contextmanager
def deferred_again_meanwhile(tmp_path, monkeypatch) -> Iterator[tuple[Workspace, str]]:
    """ada's digest sent and deferred the evening before; today, `digest send --user ada`, paused
    before its claim while another worker's pass (app2's) retries that digest and the server defers
    it again: the workspace and what the send said, within the PostgreSQL database's life."""
    one_day_ahead(dt.timedelta(minutes=2))  # the pass and the send below in one day of ada's (UTC's)
    mailbox = Defers()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        (tmp_path / "db1").mkdir()
        ws = ada_with_chips(tmp_path / "db1", server.port, url)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  retry_first_seconds: 60\n")
        app2 = machine(ws, tmp_path / "app2")
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))
        today = dt.datetime.combine(wall_clock().date(), dt.time())
        digest_at(ws, "send", "--user", "ada", at=today - dt.timedelta(minutes=10), code=1)  # deferred
        assert mailbox.tries == 1

        def app2_pass() -> None:
            Daemon(app2.config, wall_clock).run_once()  # app2's pass: the earlier digest deferred again
            assert mailbox.tries == 2

        said = send_paused_while(ws, tmp_path / "flag", app2_pass)
        assert mailbox.tries == 2, said  # the send left it to its retry time
        yield ws, said
