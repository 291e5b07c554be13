"""`digest send --user ada` in a new day, ada's digest of the day before waiting for its retry (the
server deferred it, 451), on PostgreSQL: another worker's pass retries that digest, and the server
defers it again, between the send's planning and its claim. The send leaves it to its new retry time
(tests/daemon/test_deferred_meanwhile.py), and its rows say where it is, as they say a period's digest
another worker took meanwhile ("earlier digest: queued ...; waiting ..."), and the new day's "nothing
new besides the earlier digest above". Before, the send said only "ada  ada@example.org  0 papers
nothing new": the digest still waiting, which the reader did not get, was not named.

Real parts: two config folders on one PostgreSQL database (a daemon's worker and a user's `digest send`
process, paused before its claim), aiosmtpd on loopback deferring every message, libfaketime for the
first send, the evening before."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from helpers.faked import digest_at, needs_faketime
from test_deferred_meanwhile import one_day_ahead, send_paused_while
from test_failures_every_machine import machine

from digest.daemon.service import Daemon
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace, make_dump, postgres_database


class Defers(Mailbox):
    """A real SMTP server that defers every message (451)."""

    def __init__(self) -> None:
        super().__init__()
        self.tries = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        return "451 4.3.0 try again later"


def rows_of_ada(said: str) -> list[str]:
    return [" ".join(line.split()[2:]) for line in said.splitlines() if line.startswith("ada ")]


@contextlib.contextmanager
def deferred_again_meanwhile(tmp_path, monkeypatch) -> Iterator[tuple[Workspace, str]]:
    """ada's digest sent and deferred the evening before; today, `digest send --user ada`, paused
    before its claim while another worker's pass (app2's) retries that digest and the server defers
    it again: the workspace and what the send said, within the PostgreSQL database's life."""
    one_day_ahead(dt.timedelta(minutes=2))  # the pass and the send below in one day of ada's (UTC's)
    mailbox = Defers()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        (tmp_path / "db1").mkdir()
        ws = Workspace(tmp_path / "db1", server.port, database=url)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  retry_first_seconds: 60\n")
        app2 = machine(ws, tmp_path / "app2")
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")  # no zone: UTC's day
        ws.dump("day.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        today = dt.datetime.combine(wall_clock().date(), dt.time())
        digest_at(ws, "send", "--user", "ada", at=today - dt.timedelta(minutes=10), code=1)  # deferred
        assert mailbox.tries == 1

        def app2_pass() -> None:
            Daemon(app2.config, wall_clock).run_once()  # app2's pass: the earlier digest deferred again
            assert mailbox.tries == 2

        said = send_paused_while(ws, tmp_path / "flag", app2_pass)
        assert mailbox.tries == 2, said  # the send left it to its retry time
        yield ws, said


@needs_faketime
def test_an_earlier_digest_deferred_again_by_another_worker_meanwhile_is_named_in_the_send_s_rows(
    tmp_path, monkeypatch
):
    with deferred_again_meanwhile(tmp_path, monkeypatch) as (_, said):
        rows = rows_of_ada(said)
    assert len(rows) == 2, said  # was: ["0 papers nothing new"]
    assert rows[0].startswith("1 paper earlier digest: queued on "), said
    assert rows[1] == "0 papers nothing new besides the earlier digest above", said
