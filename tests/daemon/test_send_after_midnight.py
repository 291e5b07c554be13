"""`digest send` just after a reader's midnight, when the evening before had a send time no pass
served (the laptop asleep) and its grace lasts: it sends the digest the daemon owed then (that
day's period), and the new day's comes at its own send time. Real `digest send` and `digest run
--once` processes, each on a clock set to a moment of its own (then going on in real time), a real
aiosmtpd on loopback, SQLite (one machine, one clock)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

from digest.demo.smtp_server import Received
from digest.store import Store

from conftest import Workspace, make_dump

# `digest ARGS...` (argv[3:]) on a machine whose clock reads argv[2] (ISO) as it starts: every reading
AT = """
import datetime as dt, sys, time
import digest.db
start, then = time.monotonic(), dt.datetime.fromisoformat(sys.argv[2])
clock = lambda: then + dt.timedelta(seconds=time.monotonic() - start)
digest.db.wall_clock = clock  # before any module takes it
import digest.cli, digest.cli.daily, digest.cli.run_daemon
digest.cli.daily.now_utc = digest.cli.run_daemon.now_utc = clock  # `send`'s, `run`'s
digest.cli.main(["--config", sys.argv[1], *sys.argv[2 + 1:]])
"""
NEW_YORK = ZoneInfo("America/New_York")
ADA = 'email: ada@example.org\ninterests: [spiking]\ntimezone: America/New_York\nsend_at: "21:00"\n'


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of March 2026 on ada's wall (New York: EDT, UTC-4, since Mar 8)."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


def digest_at(ws: Workspace, moment: dt.datetime, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", AT, str(ws.config_path), moment.astimezone(dt.UTC).isoformat(), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def titles(message: Received) -> list[str]:
    text = message.message.get_body(("plain",)).get_content()
    return [t for t in ("Spiking evening", "Spiking morning") if t in text]


def test_a_send_after_midnight_sends_the_evening_before_the_daemon_missed_and_the_new_day_comes_at_its_time(
    tmp_path, smtp_server
):
    ws = Workspace(tmp_path, smtp_server.port)
    ws.profile("ada", ADA)
    ws.dump("17.txt", make_dump("Mar 17", [("Spiking evening", "About spiking.")]), mtime=at(17, 12))
    morning = digest_at(ws, at(17, 12, 5), "run", "--once")  # takes the dump in; ada not due till 21:00
    assert morning.returncode == 0, morning.stdout + morning.stderr
    assert smtp_server.handler.messages == []
    # no pass at 21:00 (the laptop asleep); ada sends it by hand at 00:10, 3 h 10 min after (grace: 4 h)
    sent = digest_at(ws, at(18, 0, 10), "send")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    ws.dump("18.txt", make_dump("Mar 18", [("Spiking morning", "About spiking.")]), mtime=at(18, 9))
    evening = digest_at(ws, at(18, 21, 1), "run", "--once")
    assert evening.returncode == 0, evening.stdout + evening.stderr
    with Store(tmp_path / "digest.db") as store:
        periods = [r[0] for r in store.db.execute("SELECT period FROM outbox ORDER BY id")]
    got = [titles(m) for m in smtp_server.handler.messages]
    assert periods == ["2026-03-17", "2026-03-18"], evening.stdout + evening.stderr
    assert got == [["Spiking evening"], ["Spiking morning"]]


def test_a_second_send_after_midnight_leaves_the_new_day_to_its_send_time(tmp_path, smtp_server):
    ws = Workspace(tmp_path, smtp_server.port)
    ws.profile("ada", ADA + "send_empty: true\n")  # a "nothing new today" note rather than no mail
    ws.dump("17.txt", make_dump("Mar 17", [("Spiking evening", "About spiking.")]), mtime=at(17, 12))
    assert digest_at(ws, at(17, 12, 5), "run", "--once").returncode == 0
    first = digest_at(ws, at(18, 0, 10), "send")  # the evening's, its 21:00 missed
    assert first.returncode == 0, first.stdout + first.stderr
    # before: "...; 2026-03-18's comes today at 21:00 EDT", said as no one says it, nor how not to wait
    said = (
        "already sent today at 00:10 EDT (the digest of 2026-03-17); the digest of 2026-03-18 goes out "
        "today at 21:00 EDT (to send what is new before then: `digest send --user ada --force`)"
    )
    for args in (("send", "--dry-run"), ("send",)):  # again, ten minutes later: nothing new
        again = digest_at(ws, at(18, 0, 20), *args)
        assert again.returncode == 0 and said in again.stdout, again.stdout + again.stderr
    assert len(smtp_server.handler.messages) == 1
    ws.dump("18.txt", make_dump("Mar 18", [("Spiking morning", "About spiking.")]), mtime=at(18, 9))
    evening = digest_at(ws, at(18, 21, 1), "run", "--once")
    assert evening.returncode == 0, evening.stdout + evening.stderr
    with Store(tmp_path / "digest.db") as store:
        periods = [r[0] for r in store.db.execute("SELECT period FROM outbox ORDER BY id")]
    assert periods == ["2026-03-17", "2026-03-18"], evening.stdout + evening.stderr
    assert [titles(m) for m in smtp_server.handler.messages] == [["Spiking evening"], ["Spiking morning"]]
