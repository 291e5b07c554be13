"""The commands digest suggests beyond a reader's (tests/cli/test_renamed_user_quotes.py) write a
word with a single quote in it, a config in /home/o'brien/..., as those do (digest.shell_text): in
double quotes, where nothing in it is expanded there. Before: `digest --config
'/home/o'"'"'brien/d d/config.yaml' rank ada` (right, hard to read). Either way the line, pasted
into bash as it is, does what it says.

Real parts: real `digest` processes (the demo's own SMTP and HTTP servers on loopback), each
suggested line run by bash."""

from __future__ import annotations

import re
import subprocess
import sys


def digest(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def in_bash(line: str, cwd) -> subprocess.CompletedProcess[str]:
    """``line`` run by bash as a user pastes it, from another folder than the command ran in."""
    return subprocess.run(["bash", "-c", line], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_demos_next_commands_say_a_folder_with_a_single_quote_in_double_quotes(tmp_path):
    home = tmp_path / "o'brien"
    home.mkdir()
    done = digest("demo", "--dir", "d d", cwd=home)
    assert done.returncode == 0, done.stdout + done.stderr
    config = f'"{home}/d d/config.yaml"'  # was '/tmp/.../o'"'"'brien/d d/config.yaml'
    line = re.search(r"Then try: (.*)", done.stdout)[1]
    assert line.endswith(f" -m digest --config {config} rank ada"), line
    ranked = in_bash(line, cwd=tmp_path)
    assert ranked.returncode == 0 and "Spiking" in ranked.stdout, ranked.stdout + ranked.stderr
    assert f" -m digest --config {config} serve\n" in done.stdout


def test_a_config_option_carried_into_a_suggested_command_is_said_in_double_quotes(tmp_path):
    home = tmp_path / "o'brien"
    home.mkdir()
    assert digest("demo", "--dir", "d d", cwd=home).returncode == 0
    # -v after the command: refused, with the command as it should have been typed
    done = digest("--config", "d d/config.yaml", "status", "-v", cwd=home)
    assert done.returncode != 0
    line = re.search(r"`python -m (digest [^`]*)`", done.stderr)[1]
    assert line == f'digest --config "{home}/d d/config.yaml" -v status ...', done.stderr
    pasted = f"{sys.executable} -m {line.removesuffix(' ...')}"
    ran = in_bash(pasted, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
