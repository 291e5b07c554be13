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


def said_count(tmp_path, caplog, took: list[float]) -> int:
    """The N of "(still: N passes failed since ...)" a daemon with the default poll says, its passes
    starting on the poll (as APScheduler runs them), each failing ``took[k]`` seconds after its
    start (the last figure for the rest): the failure's time is read at the pass's end."""
    tmp_path.mkdir()
    config = Workspace(tmp_path).config
    assert "poll_seconds" not in config.path.read_text()  # the default poll, as most run it
    start = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
    now = [start]
    passes = [0]

    def full(config: Config) -> None:
        now[0] += dt.timedelta(seconds=took[min(passes[0], len(took) - 1)])  # the pass's work
        passes[0] += 1
        raise OSError(28, "No space left on device", str(tmp_path / "digest.db-journal"))

    daemon = Daemon(config, lambda: now[0], sender_factory=full)
    poll = dt.timedelta(seconds=config.scheduler.poll_seconds)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        while now[0] <= start + dt.timedelta(hours=1, minutes=2):  # an hour of polls and a bit more
            daemon.tick()
            now[0] = start + passes[0] * poll  # the next pass starts on the poll
    said = [r.getMessage() for r in caplog.records if "(still: " in r.getMessage()]
    assert len(said) == 1, said
    count = re.search(r"\(still: (\d+) passes failed since 2026-03-16 07:00 UTC\)", said[0])
    assert count, said[0]
    return int(count.group(1))


def test_the_readme_counts_the_passes_of_an_hour_at_the_default_poll(tmp_path, caplog):
    quote = re.search(r'"\(still: (\d+) passes failed since \.\.\.\)" or (\d+)', README)
    # before: the README said only 61, what passes failing in no time say
    assert quote, "the README quotes no (still: N passes failed since ...) or M"
    alike = said_count(tmp_path / "alike", caplog, [0.2])
    slow_start = said_count(tmp_path / "slow", caplog, [0.4, 0.2])  # a cold first pass, as a real one
    # before: 720 (an hour of 5 s polls); the default poll is a minute
    assert (alike, slow_start) == (int(quote.group(1)), int(quote.group(2))), quote.group(0)
