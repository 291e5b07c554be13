"""The daemon with $DIGEST_SECRET exported (as config.example.yaml's comment and `digest serve --help`
show it) and a config that names no web.secret_env or secret_file: its emails go with a mailto:
unsubscribe alone, no link to the reader's pages. Its log says so once (at its first pass, and again
when the config is edited back to that after naming the variable), as `digest send` says it once a
send (tests/cli/test_send_secret_not_named.py) and `digest serve` at its start. Before: not a word,
the digests going out unsigned pass after pass.

Real parts: the daemon's passes (digest.daemon.service.Daemon, its real SMTP sender to aiosmtpd on
loopback), the config file edited on disk, SQLite."""

from __future__ import annotations

import datetime as dt
import logging

from helpers.ticks import Passes

from conftest import make_dump

MON_0700 = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
NOTE = (
    "note: no web.secret_env or secret_file: the emails' unsubscribe is a mailto: alone, with no links to "
    "the reader's pages ($DIGEST_SECRET is set, but the config names no web.secret_env: add `web: "
    "{secret_env: DIGEST_SECRET}` to the config to sign the links with it)."
)


def said(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "DIGEST_SECRET" in r.getMessage()]


def test_the_daemon_says_an_exported_secret_the_config_does_not_name_once(
    mail_workspace, smtp_server, caplog, monkeypatch
):
    ws = mail_workspace
    monkeypatch.setenv("DIGEST_SECRET", "x" * 64)
    plain = ws.config_path.read_text() + "base_url: https://digest.example.org\n"
    ws.config_path.write_text(plain)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '07:00'\n")
    ws.dump(
        "day.txt",
        make_dump("Mar 15", [("Neuromorphic Chips", "About neuromorphic chips.")]),
        mtime=MON_0700 - HOUR,
    )
    caplog.set_level(logging.WARNING, logger="digest")
    passes = Passes(ws, MON_0700)
    passes.minutes(3)
    (message,) = smtp_server.handler.messages  # ada's digest, sent as before
    assert b"/u/" not in message.data  # a mailto: alone, as said
    assert said(caplog) == [NOTE]  # was: nothing; once, not at every pass

    caplog.clear()  # the variable named: its links signed, nothing said
    ws.config_path.write_text(plain + "web:\n  secret_env: DIGEST_SECRET\n")
    passes.next()
    assert said(caplog) == []
    ws.config_path.write_text(plain)  # named no more: said again, once
    passes.next()
    passes.next()
    assert said(caplog) == [NOTE]
