"""A daemon whose SMTP login was refused stops delivering (trying the same login again only locks
the account) and says why: when first met, again an hour later while it lasts, not a line at every
poll; and when it delivers again, once the login is corrected in the config."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from helpers.smtp_login import refusing_logins

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.files import write_atomic

from conftest import Workspace

NOW = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def said(caplog, words: str, level: int = logging.ERROR) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and words in r.getMessage()]


@contextlib.contextmanager
def refused_login(tmp_path, smtp_server, monkeypatch):
    """While the block runs, a daemon whose SMTP server refuses its login, and the config
    (``right``) naming ``smtp_server`` instead, with no login; ada's digest due at the start."""
    with refusing_logins() as port:
        ws = Workspace(tmp_path, smtp_port=port)
        right = ws.config_path.read_text().replace(f"port: {port}", f"port: {smtp_server.port}")
        ws.config_path.write_text(
            ws.config_path.read_text() + "  username: digest\n  password_env: DIGEST_TEST_SMTP_PW\n"
        )
        monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "wrong")
        ws.profile("ada", 'email: ada@example.org\ninterests: [chips]\nsend_at: "07:00"\nsend_empty: true\n')
        now = [NOW]
        daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
        yield ws, right, now, daemon


def test_a_refused_login_is_said_once_then_hourly_and_when_delivering_again(
    tmp_path, caplog, smtp_server, monkeypatch
):
    caplog.set_level(logging.INFO, logger="digest")
    with refused_login(tmp_path, smtp_server, monkeypatch) as (ws, right, now, daemon):
        for _ in range(12):  # a minute at a poll of 5 s
            daemon.tick()
            now[0] += dt.timedelta(seconds=5)
        lines = said(caplog, "not delivering")
        assert len(lines) == 1, f"{len(lines)} lines in 12 polls: {[s[:60] for s in lines]}"
        assert lines[0].startswith("not delivering: authentication failed at the SMTP server")
        now[0] += dt.timedelta(hours=1)
        daemon.tick()
        assert said(caplog, "not delivering")[1:] == [lines[0] + " (still, since 2026-03-16 07:00 UTC)"]
    write_atomic(ws.config_path, right)  # the right server, no login
    daemon.tick()
    assert [m.message["X-Digest-User"] for m in smtp_server.messages] == ["ada"]
    (back,) = said(caplog, "delivering again", logging.INFO)
    assert back.startswith("delivering again (said above: authentication failed at the SMTP server")


def test_a_corrected_login_is_said_to_deliver_again_once_a_message_went(
    tmp_path, caplog, smtp_server, monkeypatch
):
    # said before at the first pass after the config's change, with no message due to try the login:
    # "delivering again (said above: authentication failed ...)", of a login nothing had tried yet
    caplog.set_level(logging.INFO, logger="digest")
    with refused_login(tmp_path, smtp_server, monkeypatch) as (ws, right, now, daemon):
        daemon.tick()  # refused: ada's digest waits a minute to be tried again
        daemon.tick()
        assert said(caplog, "not delivering")
    write_atomic(ws.config_path, right)  # the right server, no login
    now[0] += dt.timedelta(seconds=5)
    daemon.tick()  # ada's digest not due to be tried yet: nothing went
    assert not smtp_server.messages
    assert not said(caplog, "delivering again", logging.INFO)
    now[0] += dt.timedelta(minutes=2)
    daemon.tick()
    assert [m.message["X-Digest-User"] for m in smtp_server.messages] == ["ada"]
    (back,) = said(caplog, "delivering again", logging.INFO)
    assert back.startswith("delivering again (said above: authentication failed at the SMTP server")
