"""A worker whose settings differ from those of the workers serving the readers (on one
PostgreSQL database) stands aside: it queues no digest until they agree (digest.daemon.agree).
The daemon's log says so as it says a pass's own trouble: when first met, again an hour later
while it lasts, not a line at every poll; and when it queues again."""

from __future__ import annotations

import datetime as dt
import logging

from digest.daemon.agree import worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.service import Daemon
from digest.store import Store

from conftest import Workspace, postgres_database

NOW = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def said(caplog, words: str, level: int = logging.ERROR) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and words in r.getMessage()]


def test_a_worker_standing_aside_says_so_once_then_hourly_and_when_it_queues_again(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    with postgres_database() as url:
        ws = Workspace(tmp_path, database=url)
        ws.config_path.write_text(ws.config_path.read_text() + "timezone: Asia/Tokyo\n")
        (tmp_path / "serving").mkdir()
        serving = Workspace(tmp_path / "serving", database=url)  # the same folder, UTC
        serving.config_path.write_text(
            serving.config_path.read_text().replace(
                "profiles: profiles", f"profiles: {tmp_path / 'profiles'}"
            )
        )
        now = [NOW]
        daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: None)

        def poll() -> None:  # the serving worker ends its passes queueing too
            with Store(url) as store:
                heartbeat(
                    store,
                    "h:1:serving",
                    NOW - dt.timedelta(days=1),
                    now[0],
                    settings=worker_settings(serving.config),
                )
            daemon.tick()
            now[0] += dt.timedelta(seconds=5)

        for _ in range(12):  # a minute at a poll of 5 s
            poll()
        lines = said(caplog, "settings differ")
        assert len(lines) == 1, f"{len(lines)} lines in 12 polls: {[s[:60] for s in lines]}"
        assert lines[0].startswith("this worker's settings differ from those of worker h:1:serving")
        assert "timezone: 'Asia/Tokyo' here, 'UTC' there" in lines[0]
        now[0] += dt.timedelta(hours=1)
        poll()
        assert said(caplog, "settings differ")[1:] == [lines[0] + " (still, since 2026-03-16 07:00 UTC)"]

        ws.config_path.write_text(ws.config_path.read_text().replace("timezone: Asia/Tokyo\n", ""))
        poll()
        (back,) = said(caplog, "agree", logging.INFO)
        assert back.startswith(
            "this worker's settings agree with the other workers' again: queueing digests (said above: "
        )
