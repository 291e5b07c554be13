"""A file written by another process in two parts, a pause between: what a reader's editor
saving a profile in place looks like to a pass that reads it meanwhile."""

from __future__ import annotations

import subprocess
import sys
import time

ADA = 'send_at: "07:20"\ninterests: [neuromorphic]\nemail: ada@example.org\n'


def written_in_two_parts(path, text: str = ADA, rest: str = "rg\n", pause: float = 1) -> subprocess.Popen:
    """A writer making ``path`` in place: ``text`` up to ``rest`` ("ada@example.o"), a pause of
    ``pause`` seconds, then the rest; returned once the first part is there."""
    cut = text.index(rest)
    write = f"import sys, time\nf = open(sys.argv[1], 'w')\nf.write({text[:cut]!r}); f.flush()\n"
    write += f"time.sleep({pause})\nf.write({text[cut:]!r})\n"
    writer = subprocess.Popen([sys.executable, "-c", write, str(path)])
    while not (path.exists() and path.stat().st_size):
        time.sleep(0.01)
    return writer
