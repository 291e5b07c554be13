"""The file transport: each message written as an .eml file into a folder, in place of a server."""

from __future__ import annotations

import errno
from pathlib import Path

from digest.deliver.replies import UNWRITTEN, SendResult
from digest.deliver.transports import Envelope
from digest.files import write_atomic


class FileSender:
    """Writes each message as an .eml file: for dry runs and for users with no SMTP server.

    Each file is written whole or not at all, without waiting for the disk (like the outbox's
    commits): a killed process loses nothing, a power loss may lose the last files. The file
    is written beside its final name (``.<name>.tmp``: a message is written by one worker at
    a time, and a left-over from a killed run is replaced by a new file), then renamed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made = False  # the folder, made on the first message (send works without `with`)

    def __enter__(self) -> FileSender:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send(self, mail: Envelope) -> SendResult:
        token = mail.message_id.strip("<>").partition("@")[0]
        path = self.folder / f"{token}.eml"
        try:
            if not self.made:
                self.folder.mkdir(parents=True, exist_ok=True)
                self.made = True
            write_atomic(path, mail.data, sync=False, tmp=self.folder / f".{token}.eml.tmp")
        except OSError as e:
            why = e.strerror or str(e)
            if e.errno in (errno.ENOSPC, errno.EDQUOT):  # said plainly, with what to do
                why += (
                    f": free space on the disk of {self.folder} (the message stays queued: tried again later)"
                )
            return SendResult(False, f"{UNWRITTEN}{path}: {why}")
        return SendResult(True, f"written to {path}")


class FileSenders:
    """A factory of :class:`FileSender` into one folder (the file transport)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self) -> FileSender:
        return FileSender(self.folder)
