"""A small tmpfs for the database, filled by another program, and a server whose first message
fills it: for the tests of a message the server took that cannot be recorded."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.demo.smtp_server import Received


@contextlib.contextmanager
def small_disk(where: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted at ``where`` (skipped without root), unmounted at the end."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"x" * 4096)


class FillingMailbox:
    """Accepts every message; as the first arrives, another program fills the database's disk."""

    def __init__(self, disk: Path) -> None:
        self.disk, self.messages = disk, []

    async def handle_DATA(self, server, session, envelope):
        if not self.messages:
            fill(self.disk)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"
