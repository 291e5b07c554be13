"""The daemon (`digest run`) says in its log a send time a pass found missed past the grace (the
daemon down over it): an operator reading the log (journalctl) sees why the reader got nothing
today and how to send what waits now, in the words `digest run --once` uses. Said once: the
passes after it (and the reader looked at again when their file is edited) do not repeat it.
Before, the log said nothing. `digest run --once` says it in its own line, not in a log line too.
A real daemon's passes (Daemon.tick) under a chosen clock, and real `digest run --once` under
libfaketime; a real store, aiosmtpd."""

from __future__ import annotations

import datetime as dt
import logging

from helpers.faked import digest_at, needs_faketime
from helpers.missed_history import at

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender

from conftest import make_dump

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory.")]  # what waits for Monday's digest
ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n'


def missed_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "not sent within" in r.getMessage()]


def test_a_missed_send_time_is_said_in_the_daemons_log_once(mail_workspace, smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    now = [at(5, 12)]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
    daemon.tick()
    now[0] = at(6, 0, 1)
    daemon.tick()  # Sunday's digest, on time
    assert len(smtp_server.messages) == 1
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    now[0] = at(6, 12)
    daemon.tick()
    now[0] = at(7, 4, 56)  # the daemon's machine asleep over Monday's midnight, past the grace
    daemon.tick()
    now[0] += dt.timedelta(minutes=1)
    daemon.tick()
    ws.profile("ada", ADA.replace("interests: [neuromorphic]", "interests: [neuromorphic, spikes]"))
    now[0] += dt.timedelta(minutes=1)
    daemon.tick()  # her file edited: looked at again, not said again
    assert missed_lines(caplog) == [
        "ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace: what waits for them"
        " goes in their next, `digest send --user ada` sends it now"
    ]
    assert [r.levelno for r in caplog.records if "not sent within" in r.getMessage()] == [logging.WARNING]


def test_many_readers_missed_in_one_pass_are_one_log_line_naming_the_first_ten(
    mail_workspace, smtp_server, caplog
):
    """After a restart over a send time every reader's was missed: one WARNING, not one a reader
    (10,000 lines at 10,000 readers)."""
    caplog.set_level(logging.INFO, logger="digest")
    ws = mail_workspace
    users = [f"r{i:02d}" for i in range(12)]
    for user in users:
        ws.profile(user, ADA.replace("ada@", f"{user}@"))
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    now = [at(5, 12)]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
    daemon.tick()
    now[0] = at(6, 0, 1)
    daemon.tick()  # Sunday's digests, on time
    assert len(smtp_server.messages) == 12
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    now[0] = at(6, 12)
    daemon.tick()
    now[0] = at(7, 4, 56)  # down over Monday's midnight, past the grace
    daemon.tick()
    daemon.tick()
    lines = missed_lines(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "12 readers' digests not sent within the 240-minute grace (r00's of 2026-12-07"
    )
    assert "r09's of 2026-12-07 00:00 UTC and 2 more (`digest status` names them)" in lines[0], lines[0]


@needs_faketime
def test_run_once_says_it_once_in_its_line_not_in_a_log_line_too(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    digest_at(ws, "run", "--once", at=at(5, 12))
    digest_at(ws, "run", "--once", at=at(6, 0, 1))
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    digest_at(ws, "run", "--once", at=at(6, 12))
    done = digest_at(ws, "run", "--once", at=at(7, 4, 56))
    assert "ada's digest of 2026-12-07 00:00 UTC not sent within" in done.stdout, done.stdout
    assert "not sent within" not in done.stderr, done.stderr
