"""The progress bar of long commands in a terminal (rich): count, rate and time left."""

from __future__ import annotations

import logging
import sys
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _Rate(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")


class BarProgress:
    """A rich progress bar on stderr (count, rate, time left); log lines print above it."""

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.streams: list[tuple[logging.StreamHandler, Any]] = []

    def start(self, what: str, total: int) -> None:
        self.finish()
        self.bar = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            _Rate(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.bar.add_task(what, total=total)
        self.bar.start()
        for handler in logging.getLogger().handlers:  # logging writes through the bar's console
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stderr, sys.__stderr__):
                self.streams.append((handler, handler.setStream(sys.stderr)))

    def advance(self, n: int = 1) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task, n)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        for handler, stream in self.streams:
            handler.setStream(stream)
        self.streams.clear()
