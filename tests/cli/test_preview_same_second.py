"""`digest preview USER --date <today>` right after a send shows the digest just sent, even when a
dump is ingested within the same second as that send: the store's times were kept to the second,
so a listing ingested after the digest was made, in its second, counted as stored by then."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from conftest import a_minute_ago, make_dump

PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]
MORE = [("Gardening Drones", "Drones that water plants.")]


@pytest.fixture
def clock(monkeypatch):
    """The commands' clock (digest.cli.common.now_utc, as each command module imported it), set by
    the test: moments a fraction of a second apart, in one second of today."""
    second = dt.datetime.now(dt.UTC).replace(microsecond=0)
    at = [second]

    for name, module in list(sys.modules.items()):
        if name.startswith("digest.cli") and hasattr(module, "now_utc"):
            monkeypatch.setattr(module, "now_utc", lambda: at[0])

    def set_to(milliseconds: int) -> None:
        at[0] = second + dt.timedelta(milliseconds=milliseconds)

    return set_to


def test_a_preview_of_today_right_after_its_send_is_the_digest_sent(mail_workspace, smtp_server, clock):
    ws = mail_workspace
    today = dt.datetime.now(dt.UTC)
    listed = today - dt.timedelta(days=1)  # yesterday's listing, sent today
    ws.profile("bob", "email: bob@example.org\ninterests: [gardening]\nsend_at: '00:00'\n")
    ws.dump("day.txt", make_dump(f"{listed:%b} {listed.day}", PAPERS), mtime=a_minute_ago())
    clock(100)
    assert ws.cli("ingest").exit_code == 0
    clock(300)
    assert ws.cli("send").exit_code == 0 and len(smtp_server.messages) == 1
    clock(600)  # a dump of the same day comes in after the send, within its second
    ws.dump("more.txt", make_dump(f"{listed:%b} {listed.day}", MORE), mtime=a_minute_ago())
    assert ws.cli("ingest").exit_code == 0

    clock(900)
    shown = ws.cli("preview", "bob", "--text", "--date", f"{today:%Y-%m-%d}")
    assert "nothing new today" not in shown.stdout, shown.stdout + shown.stderr
    assert "Gardening Robots" in shown.stdout and "Gardening Drones" not in shown.stdout  # as sent
