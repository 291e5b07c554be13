"""A Ctrl-C pressed as `digest` starts (its commands still loading) ends it as any command's does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = Path(sys.executable).parent / "digest"  # the installed console script


@pytest.mark.parametrize("after", ["click", "digest.config", "digest.cli.daily"])
def test_a_ctrl_c_while_the_commands_load_says_interrupted_and_exits_130(workspace, after):
    """A Ctrl-C in the first 0.4 s of any command printed a KeyboardInterrupt traceback (and the
    shell's 130 came from the signal, not from digest). The signal is sent once the module
    ``after`` is loaded (-X importtime says so on stderr as each import ends), others still
    loading."""
    child = subprocess.Popen(
        [sys.executable, "-X", "importtime", str(PROGRAM), "--config", str(workspace.config_path), "status"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal's foreground command gets Ctrl-C, whatever the tests were started with: a
        # runner started as a background job of a script (`cmd &`) has SIGINT ignored, which its
        # children inherit, and Python then leaves it ignored (the command ran on to its end)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    loaded = []
    for line in child.stderr:
        loaded.append(line.rsplit("|", 1)[-1].strip())
        if loaded[-1] == after:
            break
    assert loaded[-1] == after, f"{after} was never loaded: {loaded[-3:]}"
    child.send_signal(signal.SIGINT)
    rest = child.stderr.read()
    child.wait(timeout=30)
    words = [x for x in rest.splitlines() if not x.startswith("import time:")]
    assert (child.returncode, words) == (130, ["interrupted"]), rest
