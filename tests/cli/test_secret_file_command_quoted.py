"""The command digest gives to write web.secret_file's secret (the file missing, or its secret too
short) names the file quoted for the shell it is pasted into, as the other suggested commands do
(digest.shell_text): a config in /home/o'brien/my digest. Before: `openssl rand -hex 32 >
/tmp/.../o'brien papers/web-secret; chmod 600 /tmp/.../o'brien papers/web-secret`, which bash
reads as an unfinished quote (a space alone: the secret written to another file, "papers/..."
taken for openssl's argument).

Real parts: a real `digest demo` (its own SMTP and HTTP servers on loopback) in such a folder, real
`digest send --dry-run` processes, each command said run by bash from another folder."""

from __future__ import annotations

import re
import subprocess
import sys


def digest(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_secret_files_command_runs_as_pasted_from_a_folder_with_a_quote_and_a_space(tmp_path):
    home = tmp_path / "o'brien papers"
    home.mkdir()
    assert digest("demo", "--dir", "d", cwd=home).returncode == 0
    config, secret = home / "d" / "config.yaml", home / "d" / "web-secret"
    secret.unlink()  # missing: the command that writes it
    done = digest("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    (command,) = re.findall(r"`(openssl rand [^`]*)`", done.stderr)
    assert command == f'openssl rand -hex 32 > "{secret}"; chmod 600 "{secret}"', done.stderr
    ran = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0 and len(secret.read_text().strip()) == 64, ran.stderr
    assert secret.stat().st_mode & 0o777 == 0o600
    done = digest("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    assert done.returncode == 0 and "secret" not in done.stderr, done.stderr

    secret.write_text("short\n")  # too short: the command that writes a longer one
    done = digest("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    (command,) = re.findall(r"`(openssl rand [^`]*)`", done.stderr)
    assert command == f'openssl rand -hex 32 > "{secret}"', done.stderr
    ran = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    done = digest("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    assert done.returncode == 0 and "secret" not in done.stderr, done.stderr
