"""`digest send` stopped by a signal: what it says, and how it exits."""

from __future__ import annotations

import sys
from pathlib import Path

from digest.cli.common import secho
from digest.files import counted
from digest.shell_text import shell_word
from digest.stop import Stop


def interrupted(sent: int, stop: Stop, to_dir: Path | None = None, to_files: bool = False) -> None:
    """`digest send` stopped by a signal: said, and the exit code a shell gives a command it ended.
    ``to_files``: the digests were written as files (the file transport, or into ``to_dir`` given
    by --to-dir, which the command that writes the rest names again: without it, it would send
    them by SMTP)."""
    if to_files:
        again = "`digest send" + (f" --to-dir {shell_word(str(to_dir))}" if to_dir is not None else "") + "`"
        what = f"{'was' if sent == 1 else 'were'} written: nothing is lost or written twice; {again} writes"
    else:
        what = "went out: nothing is lost or sent twice; `digest send` sends"
    secho(
        f"interrupted after {counted(sent, 'digest')} {what} the rest (what is queued, and the digests "
        "not made yet)",
        fg="red",
        err=True,
    )
    sys.exit(128 + stop.signum)  # 130 after Ctrl-C, 143 after SIGTERM, as a shell says them
