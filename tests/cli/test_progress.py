"""Long work shows a progress bar in a terminal, and one log line per event in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from conftest import Workspace, make_dump

READERS = 25
BAR = "━"  # what rich draws the bar with


def setup(ws: Workspace) -> None:
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    for i in range(READERS):
        ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [neuromorphic]\n")


def digest(ws: Workspace, *args: str) -> list[str]:
    return [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]


def in_a_terminal(cmd: list[str]) -> str:
    """Run ``cmd`` with stdin, stdout and stderr on a pseudo-terminal; everything it wrote."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


def test_send_in_a_terminal_shows_a_bar_with_count_and_rate(mail_workspace, smtp_server):
    setup(mail_workspace)
    out = in_a_terminal(digest(mail_workspace, "ingest"))
    assert "ingesting" in out and "1/1" in out
    out = in_a_terminal(digest(mail_workspace, "send"))
    assert BAR in out and "sending" in out and f"{READERS}/{READERS}" in out
    assert len(smtp_server.handler.messages) == READERS


def test_quiet_in_a_terminal_shows_no_bar(mail_workspace, smtp_server):
    setup(mail_workspace)
    in_a_terminal(digest(mail_workspace, "-q", "ingest"))
    out = in_a_terminal(digest(mail_workspace, "-q", "send"))
    assert BAR not in out and "sending" not in out
    assert len(smtp_server.handler.messages) == READERS


def test_send_in_a_pipe_logs_one_line_per_message_and_draws_nothing(mail_workspace, smtp_server):
    setup(mail_workspace)
    subprocess.run(digest(mail_workspace, "ingest"), check=True, capture_output=True)
    result = subprocess.run(digest(mail_workspace, "-v", "send"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert BAR not in result.stderr + result.stdout and "\r" not in result.stderr
    sent_lines = [line for line in result.stderr.splitlines() if "digest sent to" in line]
    assert len(sent_lines) == READERS
    assert len(smtp_server.handler.messages) == READERS
