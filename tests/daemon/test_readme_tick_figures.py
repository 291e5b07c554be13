"""The README's quote of a failing pass said again an hour later ("(still: N passes failed since
...)") is what the daemon says with the default poll (scheduler.poll_seconds): the real Daemon of a
config that leaves the poll as it is, its passes run at each poll for an hour, its clock an
argument (an hour of real polls is not waited for)."""

from __future__ import annotations

import datetime as dt
import logging
import re

from digest.config import Config
from digest.daemon.service import Daemon

from conftest import ROOT, Workspace

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_counts_the_passes_of_an_hour_at_the_default_poll(tmp_path, caplog):
    config = Workspace(tmp_path).config
    assert "poll_seconds" not in config.path.read_text()  # the default poll, as most run it
    quote = re.search(r'"\(still: (\d+) passes failed since \.\.\.\)"', README)
    assert quote, "the README quotes no (still: N passes failed since ...)"
    now = [dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)]

    def full(config: Config) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "digest.db-journal"))

    daemon = Daemon(config, lambda: now[0], sender_factory=full)
    poll = dt.timedelta(seconds=config.scheduler.poll_seconds)
    with caplog.at_level(logging.ERROR):
        while now[0] <= dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC):  # an hour of polls, its end too
            daemon.tick()
            now[0] += poll
    said = [r.getMessage() for r in caplog.records if "(still: " in r.getMessage()]
    assert len(said) == 1, said
    count = re.search(r"\(still: (\d+) passes failed since 2026-03-16 07:00 UTC\)", said[0])
    assert count, said[0]
    # before: the README said 720 (an hour of 5 s polls); the default poll is a minute
    assert quote.group(1) == count.group(1), f"README: {quote.group(0)}; the daemon: {said[0]}"
