"""cy, the reader of the fetch tests' papers (FROM_HF from the daily papers, FROM_FEED from the
cs.LG feed), those tests' sources in one tuple, a real `digest` process and the text of a digest
received: for the tests of `digest send` and of the daemon's passes that fetch."""

from __future__ import annotations

import subprocess
import sys

from helpers.fetch_sources import HF, RSS, configure, hf_and_feed

CY = "email: cy@example.org\ninterests: [spiking attention, low-rank adapters]\n"
FROM_HF, FROM_FEED = "Spiking Attention Without Softmax", "Quiet Channels"


def fetch_the_sources():
    """The fetch tests' sources: HF, RSS, configure, hf_and_feed (helpers.fetch_sources)."""
    return HF, RSS, configure, hf_and_feed


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    """A real `digest ARGS` on ``ws``' config, run to its end."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def text_of(received) -> str:
    """The plain text of a message the SMTP server received."""
    return received.message.get_body(("plain",)).get_content()
